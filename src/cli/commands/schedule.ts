/** `clinic-backup schedule`: every job's schedule (backups, verification, drill, retention, summary, alerts) and its next time. */
import { t } from '../../i18n/index.js';
import { clinicTime, usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: ['every', 'daily'], conflicts: [['every', 'daily']] },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    if (positionals[1] === 'set') {
      const which = positionals[2];
      const jobs = ['backup', 'drill', 'check', 'retention', 'summary', 'alerts'];
      const help = `schedule set ${jobs.join('|')} (--every MINUTES | --daily HH:MM)`;
      if (which === undefined || !jobs.includes(which)) throw usage(help);
      if (!values.every && !values.daily) throw usage(help);
      await withEngine(ctx, async (e) => {
        const current = await e.getSettings();
        // No zone of its own: schedules run on the clinic's clock (settings timeZone).
        const policy = values.every ? { kind: 'interval' as const, everyMinutes: Number(values.every) } : { kind: 'daily' as const, at: values.daily as string };
        await e.updateSettings({ schedule: { ...current.schedule, [which]: policy } });
      });
    }
    const list = await withEngine(ctx, (e) => e.schedules());
    out.data(list);
    for (const j of list) out.line(t('cli.schedule.line', { name: j.name, description: j.description, next: clinicTime(ctx, j.nextAt) }, locale));
    return 0;
  },
};
