/** `clinic-backup init`: create an encrypted backup repository. */
import { t } from '../../i18n/index.js';
import { withEngine, type Command } from '../context.js';
import { printRecoveryKey } from '../kit.js';
import { COPIES } from '../spec.js';

export const command: Command = {
  spec: { options: ['keychain', 'no-keychain', ...COPIES], conflicts: [['keychain', 'no-keychain']] },
  async run(ctx) {
    const { values, out, locale } = ctx;
    const passwordFile = values['password-file'] ?? ctx.env['CLINIC_BACKUP_PASSWORD_FILE'];
    // With a password file (headless) the keychain is optional; otherwise it is the default key store.
    const useKeychain = values.keychain === true || (!passwordFile && values['no-keychain'] !== true);
    const result = await withEngine(ctx, (e) => e.init({ useKeychain, recoveryLanguage: locale }));
    out.data(result);
    out.line(t('cli.init.done', { id: result.repoId, location: result.location }, locale));
    out.line(t('cli.init.slots', { slots: result.slots.map((s) => `${s.kind} (${s.id})`) }, locale));
    if (result.recoveryKey) printRecoveryKey(ctx, result.repoId, result.location, result.recoveryKey);
    if (result.confirmPositions) out.line(t('cli.kit.ask', { a: result.confirmPositions[0], b: result.confirmPositions[1] }, locale));
    return 0;
  },
};
