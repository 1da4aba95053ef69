/** `clinic-backup stats`: repository size and compression. */
import { t } from '../../i18n/index.js';
import { withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';

export const command: Command = {
  spec: { options: [] },
  async run(ctx) {
    const { out, locale } = ctx;
    const s = await withEngine(ctx, (e) => e.stats());
    out.data(s);
    out.line(
      t(
        'cli.stats',
        {
          id: s.repoId,
          location: s.location,
          snapshots: s.snapshots,
          packs: s.packs,
          blobs: s.blobs,
          stored: formatBytes(s.storedBytes),
          latest: formatBytes(s.latestBytes),
          ratio: s.compressionRatio.toFixed(1),
          codec: s.codec,
        },
        locale,
      ),
    );
    return 0;
  },
};
