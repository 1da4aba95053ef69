/**
 * The clinic's clock for every screen: its time zone comes from the engine's status (settings), and every date and
 * time shown, typed or grouped by day goes through it, never through the browser's own zone. Plain TypeScript
 * (no React), so the engine's tests can check it in a process set to another zone.
 */
/** The clinic's time zone (from the engine's status): every date and time on screen is in it, not the browser's. */
let clinicTimeZone: string | undefined;

export function setClinicTimeZone(timeZone: string | undefined): void {
  clinicTimeZone = timeZone;
}

export function zoned(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormatOptions {
  return clinicTimeZone ? { ...options, timeZone: clinicTimeZone } : options;
}

/** Year, month (1–12), day, hour and minute of an instant on the clinic's clock (the browser's own zone plays no part). */
export function clinicWallClock(at: Date): { year: number; month: number; day: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-US', zoned({ year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).formatToParts(at);
  const n = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? NaN);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour') % 24, minute: n('minute') };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** "2026-03-10": the clinic's calendar day of an instant (days of the restore calendar). */
export function clinicDayKey(at: Date): string {
  const w = clinicWallClock(at);
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)}`;
}

/** "2026-03-10T14:30" for a datetime-local input: the instant on the clinic's clock. */
export function toClinicInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const w = clinicWallClock(d);
  return `${clinicDayKey(d)}T${pad2(w.hour)}:${pad2(w.minute)}`;
}

/** The instant a datetime-local input means, read on the clinic's clock (not the browser's); null when empty or invalid. */
export function fromClinicInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return null;
  const wanted = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  // The zone's offset at that moment, found by reading the guess back on the clinic's clock (twice: offsets change).
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const w = clinicWallClock(new Date(guess));
    guess += wanted - Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  }
  return new Date(guess).toISOString();
}
