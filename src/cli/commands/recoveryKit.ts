/** `clinic-backup recovery-kit`: print the recovery kit again, confirm it or replace the key. */
import { t } from '../../i18n/index.js';
import { clinicTime, usage, withEngine, type Command } from '../context.js';
import { printRecoveryKey, rotateRecoveryKit, writeKitFiles } from '../kit.js';

export const command: Command = {
  spec: { options: ['pdf', 'html', 'word', 'yes'] },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    if (positionals[1] === 'confirm') {
      const answers = (values.word ?? []).map((w) => {
        const m = /^(\d+)=(.+)$/.exec(w);
        if (!m) throw usage('recovery-kit confirm --word N=word --word M=word');
        return { position: Number(m[1]), word: m[2] as string };
      });
      if (answers.length === 0) {
        const status = await withEngine(ctx, (e) => e.recoveryKitStatus());
        out.data(status);
        out.line(status.positions ? t('cli.kit.ask', { a: status.positions[0], b: status.positions[1] }, locale) : t('cli.kit.nothing', {}, locale));
        return status.positions ? 2 : 0;
      }
      const r = await withEngine(ctx, (e) => e.confirmRecoveryKit(answers));
      out.data(r);
      out.line(t('cli.kit.confirmed', {}, locale));
      return 0;
    }
    if (positionals[1] === 'status') {
      const status = await withEngine(ctx, (e) => e.recoveryKitStatus());
      out.data(status);
      out.line(t(status.confirmed ? 'cli.kit.isConfirmed' : 'cli.kit.notConfirmed', { at: clinicTime(ctx, status.confirmedAt) }, locale));
      return 0;
    }
    if (positionals[1] === 'rotate') return rotateRecoveryKit(ctx);
    if (positionals[1] !== undefined) throw usage('recovery-kit [--pdf F] [--html F] | recovery-kit rotate --yes | recovery-kit status | recovery-kit confirm --word N=word --word M=word');
    if (!values.pdf && !values.html) {
      const kit = await withEngine(ctx, (e) => e.recoveryKit(locale));
      out.data(kit);
      printRecoveryKey(ctx, kit.repoId, kit.location, kit.recoveryKey, 'cli.recovery.reprint');
      if (kit.confirmPositions) out.line(t('cli.kit.ask', { a: kit.confirmPositions[0], b: kit.confirmPositions[1] }, locale));
      return 0;
    }
    const kit = await withEngine(ctx, (e) => e.recoveryKitDocuments(locale));
    await writeKitFiles(ctx, kit);
    if (kit.confirmPositions) out.line(t('cli.kit.ask', { a: kit.confirmPositions[0], b: kit.confirmPositions[1] }, locale));
    return 0;
  },
};
