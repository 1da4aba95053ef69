/** `clinic-backup dump`: print one resource. */
import { usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: [] },
  async run(ctx) {
    const { positionals, out } = ctx;
    if (!positionals[1] || !positionals[2]) throw usage('dump <snapshot> <Type/id>');
    const r = await withEngine(ctx, (e) => e.dump(positionals[1] as string, positionals[2] as string));
    if (out.json) out.data({ snapshotId: r.snapshotId, resource: JSON.parse(r.bytes.toString('utf8')) as unknown });
    else process.stdout.write(r.bytes.toString('utf8') + '\n');
    return 0;
  },
};
