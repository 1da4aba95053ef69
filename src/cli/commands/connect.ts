/** `clinic-backup connect`: regain access on a new computer with the printed kit. */
import { t } from '../../i18n/index.js';
import { readSecretFile, readStdin, usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: ['recovery-key-file', 'recovery-key', 'keychain', 'no-keychain'], conflicts: [['keychain', 'no-keychain']] },
  async run(ctx) {
    const { values, out, locale } = ctx;
    const file = values['recovery-key-file'];
    const text = file ? await readSecretFile(file) : await readStdin();
    if (!text.trim()) throw usage('connect --repo <location> --recovery-key-file <file> (or the words on standard input)');
    const passwordFile = values['password-file'] ?? ctx.env['CLINIC_BACKUP_PASSWORD_FILE'];
    const useKeychain = values.keychain === true || (!passwordFile && values['no-keychain'] !== true);
    const r = await withEngine(ctx, (e) => e.connect({ recoveryKey: text, useKeychain }));
    out.data(r);
    out.line(t('cli.connect.done', { id: r.repoId, location: r.location, kind: r.slot.kind, snapshots: r.snapshots }, locale));
    return 0;
  },
};
