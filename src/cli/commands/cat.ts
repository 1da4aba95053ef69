/** `clinic-backup cat`: show a restore point's manifest. */
import { usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: [] },
  async run(ctx) {
    const { positionals, out } = ctx;
    if (positionals[1] !== 'snapshot' || !positionals[2]) throw usage('cat snapshot <id>');
    const snap = await withEngine(ctx, (e) => e.snapshot(positionals[2] as string));
    out.data(snap);
    out.line(JSON.stringify({ id: snap.summary.id, ...snap.manifest }, null, 2));
    return 0;
  },
};
