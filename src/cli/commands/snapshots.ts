/** `clinic-backup snapshots`: list the restore points. */
import { t } from '../../i18n/index.js';
import { clinicTimeShort, clinicZone, withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';

export const command: Command = {
  spec: { options: [] },
  async run(ctx) {
    const { out, locale } = ctx;
    const list = await withEngine(ctx, (e) => e.snapshots());
    out.data(list);
    if (list.length === 0) out.line(t('cli.snapshots.none', {}, locale));
    else out.line(t('cli.snapshots.header', { zone: clinicZone(ctx) }, locale));
    for (const s of list) {
      const notes = [
        s.partial ? t('cli.snapshots.partial', {}, locale) : '',
        s.suspicious ? t('cli.snapshots.suspicious', { drop: s.suspicious.dropPercent }, locale) : '',
        s.repairedFrom ? t('cli.snapshots.repaired', { id: s.repairedFrom.slice(0, 8), lost: s.lostCount ?? 0 }, locale) : '',
      ].filter(Boolean);
      out.line(
        `${s.shortId}  ${clinicTimeShort(ctx, s.time).padEnd(16)}  ${String(s.resources).padStart(9)}  ${formatBytes(s.bytes).padEnd(9)}  ${s.source.location}${notes.length > 0 ? `  (${notes.join('; ')})` : ''}`,
      );
    }
    return 0;
  },
};
