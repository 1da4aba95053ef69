/** `clinic-backup check`: verify the repository; --repair heals it from another copy. */
import { t } from '../../i18n/index.js';
import { longOperation, usage, withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: {
    options: ['read-data', 'read-data-subset', 'repair', 'from', ...COPIES],
    conflicts: [
      ['read-data', 'read-data-subset'],
      ['repair', 'read-data-subset'],
    ],
    requires: [['from', ['repair']]],
    cancellable: true,
  },
  async run(ctx) {
    const { values, out, locale } = ctx;
    let readDataSubset: { n: number; m: number } | undefined;
    if (values['read-data-subset']) {
      const m = /^(\d+)\/(\d+)$/.exec(values['read-data-subset']);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw usage('--read-data-subset n/m, 1 ≤ n ≤ m');
      readDataSubset = { n: Number(m[1]), m: Number(m[2]) };
    }
    const run = longOperation(ctx);
    let repair: { repaired: string[]; unrepaired: { file: string; reason: string }[] } | null = null;
    const r = await withEngine(ctx, async (e) => {
      if (!values.repair) return e.check({ readData: values['read-data'] === true, ...(readDataSubset ? { readDataSubset } : {}), ...run });
      const x = await e.checkAndRepair({ ...(values.from ? { from: values.from } : {}), readData: true }, run);
      repair = x;
      return x;
    });
    out.endProgress();
    out.data(r);
    const done = repair as { repaired: string[]; unrepaired: { file: string; reason: string }[] } | null;
    if (done) {
      for (const f of done.repaired) out.line(t('cli.repair.fixed', { file: f }, locale));
      for (const u of done.unrepaired) out.line(t('cli.repair.notFixed', { file: u.file, reason: u.reason }, locale));
    }
    if (r.ok) {
      out.line(t('cli.check.ok', { ...r.stats, read: formatBytes(r.stats['bytesRead'] ?? 0) }, locale));
      return 0;
    }
    out.line(t('cli.check.failed', { count: r.problems.length }, locale));
    for (const p of r.problems) {
      out.line(t('cli.check.problem', { file: p.file, reason: p.reason }, locale));
      if (p.snapshots.length > 0) out.line(t('cli.check.affects', { snapshots: p.snapshots.map((s) => s.slice(0, 8)) }, locale));
      if (p.resources.length > 0) {
        const more = (p.resourceCount ?? p.resources.length) - p.resources.length;
        out.line(t('cli.check.resources', { resources: more > 0 ? [...p.resources, t('cli.andMore', { count: more }, locale)] : p.resources }, locale));
      }
    }
    return 3;
  },
};
