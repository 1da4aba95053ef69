/** `clinic-backup replicate`: copy what another destination lacks (NAS, USB, S3). */
import { t } from '../../i18n/index.js';
import { longOperation, usage, withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';

export const command: Command = {
  spec: { options: ['to', 'from', 'limit-upload', 'limit-download', 'residency-ack'], cancellable: true },
  async run(ctx) {
    const { values, out, locale } = ctx;
    if (!values.to) throw usage('replicate --to <location> [--from <location>]');
    const from = values.from?.[0];
    const r = await withEngine(ctx, (e) => e.replicate({ to: values.to as string, ...(from ? { from } : {}) }, longOperation(ctx)));
    out.endProgress();
    out.data(r);
    out.line(t(r.complete ? 'cli.replicate.done' : 'cli.replicate.partial', { copied: r.copied, skipped: r.skipped, bytes: formatBytes(r.bytes), failed: r.failed.length }, locale));
    for (const f of r.failed.slice(0, 20)) out.line(`  ✗ ${f.file} ${f.code}`);
    return r.complete ? 0 : 1;
  },
};
