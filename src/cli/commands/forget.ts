/** `clinic-backup forget`: apply retention (never below the 20-year legal floor). */
import { t } from '../../i18n/index.js';
import { usage, withEngine, type Command } from '../context.js';
import type { Values } from '../options.js';
import { KEEP } from '../spec.js';
import { command as prune } from './prune.js';

export const command: Command = {
  spec: { options: ['dry-run', ...KEEP, 'prune'], conflicts: [['dry-run', 'prune']], cancellable: true },
  async run(ctx) {
    const { values, out, locale } = ctx;
    const num = (k: 'keep-last' | 'keep-hourly' | 'keep-daily' | 'keep-weekly' | 'keep-monthly' | 'keep-yearly' | 'legal-floor-years'): number | undefined => {
      const v = values[k];
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw usage(`--${k} <number>`);
      return Number(v);
    };
    const given = ['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly', 'keep-within', 'legal-floor-years'].some((k) => values[k as keyof Values] !== undefined);
    const policy = given
      ? {
          ...(num('keep-last') !== undefined ? { keepLast: num('keep-last') } : {}),
          ...(num('keep-hourly') !== undefined ? { keepHourly: num('keep-hourly') } : {}),
          ...(num('keep-daily') !== undefined ? { keepDaily: num('keep-daily') } : {}),
          ...(num('keep-weekly') !== undefined ? { keepWeekly: num('keep-weekly') } : {}),
          ...(num('keep-monthly') !== undefined ? { keepMonthly: num('keep-monthly') } : {}),
          ...(num('keep-yearly') !== undefined ? { keepYearly: num('keep-yearly') } : {}),
          ...(values['keep-within'] ? { keepWithin: values['keep-within'] } : {}),
          ...(num('legal-floor-years') !== undefined ? { legalFloorYears: num('legal-floor-years') } : {}),
        }
      : undefined;
    const r = await withEngine(ctx, (e) => e.forget({ ...(policy ? { policy } : {}), dryRun: values['dry-run'] === true }));
    out.data(r);
    for (const d of r.decisions) out.line(d.explanation);
    out.line(t(values['dry-run'] ? 'cli.forget.dryRun' : 'cli.forget.done', { removed: r.decisions.filter((d) => !d.keep).length, kept: r.decisions.filter((d) => d.keep).length }, locale));
    if (values.prune && !values['dry-run']) return prune.run(ctx);
    return 0;
  },
};
