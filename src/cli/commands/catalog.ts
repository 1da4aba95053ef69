/** `clinic-backup catalog`: rebuild the local catalog from the repository. */
import { t } from '../../i18n/index.js';
import { usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: [] },
  async run(ctx) {
    if (ctx.positionals[1] !== 'rebuild') throw usage('catalog rebuild');
    const r = await withEngine(ctx, (e) => e.rebuildCatalog());
    ctx.out.data(r);
    ctx.out.line(t('cli.catalog.rebuilt', { snapshots: r.snapshots }, ctx.locale));
    return 0;
  },
};
