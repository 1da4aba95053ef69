/** `clinic-backup repair`: rebuild the index, or save restore points whose data was lost. */
import { t } from '../../i18n/index.js';
import { printList, longOperation, printListingLost, usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: [], cancellable: true },
  async run(ctx) {
    const { positionals, out, locale } = ctx;
    const what = positionals[1];
    const run = longOperation(ctx);
    if (what === 'index') {
      const r = await withEngine(ctx, (e) => e.repairIndex(run));
      out.endProgress();
      out.data(r);
      out.line(t('cli.repair.index', { packs: r.packs, fromHeaders: r.fromHeaders, blobs: r.blobs, replaced: r.indexFilesReplaced }, locale));
      for (const f of r.keptFromOldIndex) out.line(t('cli.repair.indexKept', { file: f }, locale));
      for (const f of r.missing) out.line(t('cli.repair.indexMissing', { file: f }, locale));
      for (const f of r.unreadable) out.line(t('cli.repair.indexUnreadable', { file: f }, locale));
      if (r.missing.length > 0 || r.unreadable.length > 0) {
        out.line(t('cli.repair.indexNext', {}, locale));
        return 3;
      }
      return 0;
    }
    if (what === 'snapshots') {
      const r = await withEngine(ctx, (e) => e.repairSnapshots(run));
      out.endProgress();
      out.data(r);
      for (const x of r.repaired) {
        out.line(t('cli.repair.snapshot', { id: x.snapshot.slice(0, 8), successor: x.successor.slice(0, 8), kept: x.kept, lost: x.lost.length }, locale));
        printList(
          ctx,
          x.lost.map((l) => `  ✗ ${l}`),
        );
        printListingLost(ctx, x.lostListing);
      }
      for (const id of r.alreadyRepaired) out.line(t('cli.repair.snapshotAlready', { id: id.slice(0, 8) }, locale));
      out.line(t('cli.repair.snapshotsDone', { repaired: r.repaired.length, intact: r.intact }, locale));
      return 0;
    }
    throw usage('repair index | repair snapshots');
  },
};
