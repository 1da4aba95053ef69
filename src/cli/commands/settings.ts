/** `clinic-backup settings`: settings (source, schedules, alerts, language, time zone). */
import { t } from '../../i18n/index.js';
import { EngineError } from '../../shared/index.js';
import type { Engine } from '../../index.js';
import { usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: ['from-file'] },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    if (positionals[1] === 'set') {
      if (!values['from-file']) throw usage('settings set --from-file <settings.json>');
      const text = await (await import('node:fs/promises')).readFile(values['from-file'], 'utf8');
      let patch: unknown;
      try {
        patch = JSON.parse(text);
      } catch {
        throw new EngineError('INVALID_SETTINGS', { reason: 'the file is not JSON' });
      }
      const r = await withEngine(ctx, (e) => e.updateSettings(patch as Parameters<Engine['updateSettings']>[0]));
      out.data(r);
      out.line(t('cli.settings.saved', {}, locale));
      return 0;
    }
    const r = await withEngine(ctx, (e) => e.getSettings());
    out.data(r);
    out.line(JSON.stringify(r, null, 2));
    return 0;
  },
};
