/** `clinic-backup status`: state, indicators (SOP-019 §7) and alerts. */
import { t, toErrorInfo } from '../../i18n/index.js';
import type { StatusSummary } from '../../shared/index.js';
import { clinicTime, withEngine, type Command } from '../context.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: { options: ['nagios', ...COPIES], conflicts: [['json', 'nagios']] },
  async run(ctx) {
    const { out, locale, values } = ctx;
    let s: StatusSummary;
    try {
      s = await withEngine(ctx, (e) => e.status());
    } catch (err) {
      if (!values.nagios) throw err;
      // Nagios/Icinga: UNKNOWN when the status itself cannot be read.
      process.stdout.write(`CLINIC-BACKUP UNKNOWN - ${toErrorInfo(err, locale).message}\n`);
      return 3;
    }
    if (values.nagios) {
      const code = s.state === 'error' ? 2 : s.state === 'warning' ? 1 : 0;
      const label = ['OK', 'WARNING', 'CRITICAL'][code] as string;
      const age = s.kpis.rpoAchievedMs === null ? 'U' : String(Math.round(s.kpis.rpoAchievedMs / 1000));
      process.stdout.write(
        `CLINIC-BACKUP ${label} - ${s.reasons[0] ?? t('cli.status.allGood', {}, locale)} | last_success_age=${age}s;${s.kpis.rpoTargetMs / 1000};${(s.kpis.rpoTargetMs * 2) / 1000} health=${s.kpis.healthScore};80;60;0;100 snapshots=${s.snapshots}\n`,
      );
      return code;
    }
    out.data(s);
    const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
    out.line(t('cli.status.header', { state: t(`cli.status.state.${s.state}`, {}, locale), id: s.repoId.slice(0, 8), location: s.location }, locale));
    for (const r of s.reasons) out.line(`  • ${r}`);
    ctx.zone.value = s.timeZone;
    out.line(
      t('cli.status.last', { at: clinicTime(ctx, s.lastSuccessAt), next: s.nextBackupAt ? clinicTime(ctx, s.nextBackupAt) : t('cli.status.noNext', {}, locale), snapshots: s.snapshots }, locale),
    );
    out.line(
      s.scheduler.running
        ? t('cli.status.schedulerRunning', { pid: s.scheduler.pid ?? '?', host: s.scheduler.host ?? '', since: clinicTime(ctx, s.scheduler.since) }, locale)
        : t('cli.status.schedulerStopped', {}, locale),
    );
    out.line(`3-2-1-1-0: ${s.copies.text}`);
    out.line(
      t(
        'cli.status.kpis',
        {
          success: pct(s.kpis.backupSuccessRate),
          compression: pct(s.kpis.compressionRate),
          validation: pct(s.kpis.validationRate),
          drills: pct(s.kpis.recoveryTestSuccessRate),
          health: s.kpis.healthScore,
        },
        locale,
      ),
    );
    // Every SOP-019 §7 indicator with its target (formulas: docs/indicators.md).
    for (const i of s.indicators) {
      const mark = i.met === null ? ' ' : i.met ? '✓' : '✗';
      out.line(`  ${mark} ${i.label}: ${i.valueText}${i.targetText ? ` (${i.targetText})` : ''}`);
    }
    return s.state === 'error' ? 1 : 0;
  },
};
