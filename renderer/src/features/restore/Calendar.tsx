/** A month calendar of snapshots: days with backups are buttons; the chosen day lists its snapshots. */
import { useMemo, useState, type ReactNode } from 'react';
import type { SnapshotSummary } from '../../../../src/shared/contract.js';
import { clinicDayKey, clinicWallClock, formatDate, formatNumber, formatTime, useI18n } from '../../i18n';

/** A day of the grid (plain calendar arithmetic, no clock involved). */
function gridKey(year: number, monthIndex: number, day: number): string {
  return `${year}-${String(monthIndex + 1).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function SnapshotCalendar({ snapshots, selected, onSelect }: { snapshots: readonly SnapshotSummary[]; selected: string | null; onSelect: (id: string) => void }): ReactNode {
  const { t, locale } = useI18n();
  const byDay = useMemo(() => {
    const m = new Map<string, SnapshotSummary[]>();
    for (const s of snapshots) {
      // A backup belongs to the clinic's calendar day, whatever the browser's zone.
      const k = clinicDayKey(new Date(s.time));
      m.set(k, [...(m.get(k) ?? []), s]);
    }
    for (const list of m.values()) list.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    return m;
  }, [snapshots]);
  const selectedSnap = snapshots.find((s) => s.id === selected) ?? null;
  const start = selectedSnap ? new Date(selectedSnap.time) : snapshots.length > 0 ? new Date(Math.max(...snapshots.map((s) => Date.parse(s.time)))) : new Date();
  const startDay = clinicWallClock(start);
  const [month, setMonth] = useState(new Date(startDay.year, startDay.month - 1, 1));
  const [day, setDay] = useState<string | null>(selectedSnap ? clinicDayKey(new Date(selectedSnap.time)) : null);

  const first = new Date(month.getFullYear(), month.getMonth(), 1);
  const daysInMonth = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
  const lead = first.getDay();
  const weekdays = Array.from({ length: 7 }, (_, i) => new Intl.DateTimeFormat(locale, { weekday: 'short' }).format(new Date(2024, 0, 7 + i)));
  const cells: (number | null)[] = [...Array.from({ length: lead }, () => null), ...Array.from({ length: daysInMonth }, (_, i) => i + 1)];
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks: (number | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  const monthText = new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric' }).format(month);
  const monthLabel = monthText.charAt(0).toLocaleUpperCase(locale) + monthText.slice(1);
  const dayList = day ? (byDay.get(day) ?? []) : [];

  return (
    <div className="calendar-wrap">
      <div className="calendar" data-testid="calendar">
        <div className="calendar-head">
          <button type="button" onClick={() => setMonth(new Date(month.getFullYear(), month.getMonth() - 1, 1))} aria-label={t('calendar.prev')}>
            ‹
          </button>
          <h3 aria-live="polite">{monthLabel}</h3>
          <button type="button" onClick={() => setMonth(new Date(month.getFullYear(), month.getMonth() + 1, 1))} aria-label={t('calendar.next')}>
            ›
          </button>
        </div>
        <table role="grid" aria-label={monthLabel}>
          <thead>
            <tr>
              {weekdays.map((w) => (
                <th key={w} scope="col">
                  {w}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {weeks.map((week, wi) => (
              <tr key={wi}>
                {week.map((d, di) => {
                  if (d === null) return <td key={di} />;
                  const k = gridKey(month.getFullYear(), month.getMonth(), d);
                  const list = byDay.get(k);
                  return (
                    <td key={di}>
                      {list ? (
                        <button
                          type="button"
                          className={`day has ${day === k ? 'chosen' : ''}`}
                          aria-pressed={day === k}
                          data-testid={`day-${k}`}
                          onClick={() => {
                            setDay(k);
                            if (list[0]) onSelect(list[0].id);
                          }}
                        >
                          {/* The name comes from the content (visible day first), so speech and sight agree. */}
                          {d}
                          <span className="day-count" aria-hidden="true">
                            {list.length}
                          </span>
                          <span className="sr-only">{t('calendar.copiesThatDay', { count: list.length })}</span>
                        </button>
                      ) : (
                        <span className="day">{d}</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <fieldset className="radios day-list">
        <legend>{day ? t('calendar.snapshotsOn', { day: formatDate(new Date(`${day}T12:00:00`), locale, 'long') }) : t('calendar.pickDay')}</legend>
        {dayList.map((s) => (
          <label key={s.id} className="radio">
            <input type="radio" name="snapshot" value={s.id} checked={selected === s.id} onChange={() => onSelect(s.id)} />{' '}
            {t('calendar.snapshotLine', { time: formatTime(s.time, locale), resources: formatNumber(s.resources, locale), id: s.shortId })}
            {s.partial && <span className="tag warn">{t('calendar.partial')}</span>}
          </label>
        ))}
      </fieldset>
    </div>
  );
}
