/** `clinic-backup secrets`: stored credentials (only names are shown). */
import { t } from '../../i18n/index.js';
import { readSecretFile, readStdin, usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: ['from-file'] },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1];
    if (sub === 'list') {
      const names = await withEngine(ctx, (e) => e.listSecrets());
      out.data(names);
      for (const n of names) out.line(n);
      return 0;
    }
    const name = positionals[2];
    if (sub === 'set' && name) {
      const value = values['from-file'] ? await readSecretFile(values['from-file']) : (await readStdin()).replace(/[\r\n]+$/, '');
      if (!value) throw usage('secrets set <name> --from-file <file> (or the value on standard input)');
      await withEngine(ctx, (e) => e.setSecret(name, value));
      out.data({ name });
      out.line(t('cli.secrets.set', { name }, locale));
      return 0;
    }
    if (sub === 'delete' && name) {
      const deleted = await withEngine(ctx, (e) => e.deleteSecret(name));
      out.data({ name, deleted });
      out.line(t(deleted ? 'cli.secrets.deleted' : 'cli.secrets.none', { name }, locale));
      return deleted ? 0 : 1;
    }
    throw usage('secrets list | secrets set <name> [--from-file F] | secrets delete <name>');
  },
};
