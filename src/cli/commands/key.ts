/** `clinic-backup key`: keys that open the repository. */
import { t } from '../../i18n/index.js';
import { readSecretFile, usage, withEngine, type Command } from '../context.js';
import { printRecoveryKey, rotateRecoveryKit } from '../kit.js';

export const command: Command = {
  spec: {
    options: ['keychain', 'passphrase-file', 'recovery', 'name', 'yes'],
    conflicts: [
      ['keychain', 'passphrase-file'],
      ['keychain', 'recovery'],
      ['passphrase-file', 'recovery'],
    ],
  },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1];
    if (sub === 'list') {
      const keys = await withEngine(ctx, (e) => e.listKeys());
      out.data(keys);
      out.line(t('cli.keys.header', {}, locale));
      for (const k of keys) out.line(`${k.id}  ${k.kind.padEnd(10)}  ${k.name.padEnd(19)}  ${k.created.slice(0, 19).replace('T', ' ')}`);
      return 0;
    }
    if (sub === 'add') {
      const kinds = [values.keychain && 'keychain', values['passphrase-file'] && 'passphrase', values.recovery && 'recovery'].filter(Boolean);
      if (kinds.length !== 1) throw usage('key add --keychain | --passphrase-file <file> | --recovery');
      const kind = kinds[0] as 'keychain' | 'passphrase' | 'recovery';
      const passphrase = kind === 'passphrase' ? await readSecretFile(values['passphrase-file'] as string) : undefined;
      const r = await withEngine(ctx, (e) => e.addKey(kind, { ...(passphrase ? { passphrase } : {}), ...(values.name ? { name: values.name } : {}), language: locale }));
      out.data(r);
      out.line(t('cli.keys.added', { id: r.slot.id, kind: r.slot.kind }, locale));
      if (r.recoveryKey) printRecoveryKey(ctx, '', '', r.recoveryKey);
      return 0;
    }
    if (sub === 'remove') {
      const id = positionals[2];
      if (!id) throw usage('key remove <id>');
      await withEngine(ctx, (e) => e.removeKey(id));
      out.data({ removed: id });
      out.line(t('cli.keys.removed', { id }, locale));
      return 0;
    }
    if (sub === 'rotate-recovery') return rotateRecoveryKit(ctx);
    throw usage('key list | key add | key remove <id> | key rotate-recovery');
  },
};
