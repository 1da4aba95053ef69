/** `clinic-backup migrate`: convert a version 1 repository to format version 2 in place (resumable). */
import { t } from '../../i18n/index.js';
import { longOperation, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: [], cancellable: true },
  async run(ctx) {
    const { out, locale } = ctx;
    const r = await withEngine(ctx, (e) => e.migrate(longOperation(ctx)));
    out.endProgress();
    out.data(r);
    out.line(t(r.wasVersion2 ? 'cli.migrate.already' : 'cli.migrate.done', { migrated: r.migrated, already: r.alreadyMigrated, deleted: r.deletedFiles }, locale));
    return 0;
  },
};
