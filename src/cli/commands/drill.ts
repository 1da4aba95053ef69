/** `clinic-backup drill`: restore test into a test server. */
import { t } from '../../i18n/index.js';
import { longOperation, withEngine, type Command } from '../context.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: { options: ['snapshot', 'target-url', 'allow-fallback', 'source-name', ...COPIES], conflicts: [['source-name', 'target-url']], cancellable: true },
  cancelNote: (ctx) => t('task.cancelled.drill', {}, ctx.locale),
  async run(ctx) {
    const { values, out, locale } = ctx;
    const sourceName = values['source-name'];
    if (sourceName) {
      const d = await withEngine(ctx, (e) => e.drillSource({ source: sourceName, ...(values.snapshot ? { snapshot: values.snapshot } : {}) }, longOperation(ctx)));
      out.endProgress();
      out.data(d);
      out.line(t('cli.drill.source', { id: d.id, source: d.source, status: t(`drills.status.${d.status}`, {}, locale), seconds: (d.recoveryTimeMs / 1000).toFixed(1) }, locale));
      for (const p of d.proofs) out.line(`  ${p.ok ? '✓' : '✗'} ${p.text}`);
      return d.status === 'success' ? 0 : 3;
    }
    const r = await withEngine(ctx, (e) =>
      e.drill(
        { ...(values.snapshot ? { snapshot: values.snapshot } : {}), ...(values['target-url'] ? { target: values['target-url'] } : {}), ...(values['allow-fallback'] ? { allowFallback: true } : {}) },
        longOperation(ctx),
      ),
    );
    out.endProgress();
    out.data(r);
    out.line(
      t(
        r.status === 'success' ? 'cli.drill.ok' : 'cli.drill.failed',
        {
          id: r.id,
          status: r.status,
          score: r.integrityScore === null ? '—' : (r.integrityScore * 100).toFixed(1),
          seconds: r.recoveryTimeMs === null ? '—' : (r.recoveryTimeMs / 1000).toFixed(1),
          resources: r.resourcesRestored,
        },
        locale,
      ),
    );
    return r.status === 'success' ? 0 : r.status === 'failed' ? 3 : 1;
  },
};
