/** `clinic-backup alerts`: evaluate and deliver alerts; send a test alert. */
import { t } from '../../i18n/index.js';
import { usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: [] },
  async run(ctx) {
    const { positionals, out, locale } = ctx;
    if (positionals[1] === 'test' && positionals[2]) {
      const r = await withEngine(ctx, (e) => e.sendTestAlert(positionals[2] as string));
      out.data(r);
      out.line(t('cli.alerts.testSent', { channel: r.channel }, locale));
      return 0;
    }
    if (positionals[1] === 'check' || positionals[1] === undefined) {
      const r = await withEngine(ctx, async (e) => ({ result: await e.checkAlerts(), status: await e.status() }));
      out.data(r);
      out.line(t('cli.alerts.summary', { active: r.result.active, raised: r.result.raised, cleared: r.result.cleared, delivered: r.result.delivered, failed: r.result.failed }, locale));
      for (const a of r.status.alerts) out.line(`  [${a.severity}] ${a.message}`);
      return 0;
    }
    throw usage('alerts [check] | alerts test <email|webhook>');
  },
};
