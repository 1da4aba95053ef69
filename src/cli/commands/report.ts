/** `clinic-backup report`: reports: restore test, disaster-recovery plan, compliance. */
import { t } from '../../i18n/index.js';
import { usage, withEngine, writePrivateFiles, type Command } from '../context.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: { options: ['pdf', 'html', ...COPIES] },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    const kind = positionals[1];
    if ((kind !== 'drill' && kind !== 'dr-plan' && kind !== 'compliance') || (!values.pdf && !values.html) || (kind === 'drill' && !positionals[2])) {
      throw usage('report drill <id> | report dr-plan | report compliance  --pdf F [--html F]');
    }
    const id = Number(positionals[2]);
    if (kind === 'drill' && !Number.isInteger(id)) throw usage('report drill <id>');
    const r = await withEngine(ctx, (e) => (kind === 'drill' ? e.drillReport(id) : e.configurationReport(kind)));
    // Reports name patients' data locations and the clinic's set-up: owner-only files.
    await writePrivateFiles([
      [values.pdf, r.pdf],
      [values.html, r.html],
    ]);
    out.data({ pdf: values.pdf ?? null, html: values.html ?? null });
    out.line(t('cli.report.written', { files: [values.pdf, values.html].filter(Boolean) as string[] }, locale));
    return 0;
  },
};
