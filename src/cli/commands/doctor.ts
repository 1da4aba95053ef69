/** `clinic-backup doctor`: the SOP-019 §9 checklist, with the fix for each item. */
import { t } from '../../i18n/index.js';
import { withEngine, type Command } from '../context.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: { options: [...COPIES] },
  async run(ctx) {
    const { out, locale } = ctx;
    const r = await withEngine(ctx, (e) => e.doctor());
    out.data(r);
    const mark: Record<string, string> = { pass: '✓', warn: '!', fail: '✗', skip: '–' };
    for (const c of r.checks) {
      out.line(`${mark[c.status] ?? '?'} ${c.title}${c.subject ? ` (${c.subject})` : ''}: ${c.detail}`);
      if (c.fix && c.status !== 'pass') out.line(`    → ${c.fix}`);
    }
    out.line(t(r.ok ? 'cli.doctor.ok' : 'cli.doctor.problems', {}, locale));
    return r.ok ? 0 : 1;
  },
};
