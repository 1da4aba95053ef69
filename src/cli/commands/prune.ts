/** `clinic-backup prune`: delete data no restore point uses. */
import { t } from '../../i18n/index.js';
import { longOperation, withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';

export const command: Command = {
  spec: { options: ['dry-run'], cancellable: true },
  async run(ctx) {
    const { values, out, locale } = ctx;
    const r = await withEngine(ctx, (e) => e.prune({ dryRun: values['dry-run'] === true }, longOperation(ctx)));
    out.endProgress();
    out.data(r);
    out.line(
      t(
        r.dryRun ? 'cli.prune.dryRun' : 'cli.prune.done',
        { deleted: r.packsDeleted + r.unindexedPacksDeleted, repacked: r.packsRepacked, freed: formatBytes(r.bytesFreed), locked: r.packsKeptLocked },
        locale,
      ),
    );
    return 0;
  },
};
