/** `clinic-backup run-scheduler`: run the schedules in the foreground (servers and services). */
import { t } from '../../i18n/index.js';
import { clinicTime, withEngine, type Command } from '../context.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: { options: [...COPIES] },
  async run(ctx) {
    const { out, locale } = ctx;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    out.line(t('cli.scheduler.started', {}, locale));
    await withEngine(ctx, (e) =>
      e.runScheduler({
        signal: controller.signal,
        onEvent: (ev) => {
          if (ev.type === 'started' || ev.type === 'finished' || ev.type === 'failed') process.stderr.write(`[${clinicTime(ctx, new Date().toISOString())}] ${ev.type} ${ev.job}\n`);
        },
      }),
    );
    out.line(t('cli.scheduler.stopped', {}, locale));
    return 0;
  },
};
