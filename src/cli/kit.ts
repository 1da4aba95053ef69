/** The recovery kit on the command line (init, key, recovery-kit): the words on screen, the files, the rotation. */
import { t } from '../i18n/index.js';
import { EngineError } from '../shared/index.js';
import { withEngine, writePrivateFiles, type Ctx } from './context.js';

export function printRecoveryKey(ctx: Ctx, repoId: string, location: string, lines: readonly (readonly string[])[], title = 'cli.recovery.title'): void {
  const { out, locale } = ctx;
  out.line();
  out.line(t(title, {}, locale));
  out.line(t('cli.recovery.repo', { id: repoId, location }, locale));
  lines.forEach((words, i) => out.line(`  ${i + 1}. ${words.join(' ')}`));
  out.line();
}

/** Writes the kit's PDF and HTML (they hold the key: owner-only files). */
export async function writeKitFiles(ctx: Ctx, kit: { repoId: string; slot: { id: string }; html: string; pdf: Buffer; confirmPositions: [number, number] | null }): Promise<void> {
  const { values, out, locale } = ctx;
  await writePrivateFiles([
    [values.pdf, kit.pdf],
    [values.html, kit.html],
  ]);
  out.data({ repoId: kit.repoId, slot: kit.slot, confirmPositions: kit.confirmPositions, pdf: values.pdf ?? null, html: values.html ?? null });
  out.line(t('cli.kit.written', { files: [values.pdf, values.html].filter(Boolean) as string[] }, locale));
}

/** recovery-kit rotate (and key rotate-recovery): a new key only with --yes; the old paper stops working. */
export async function rotateRecoveryKit(ctx: Ctx): Promise<number> {
  const { values, out, locale } = ctx;
  if (!values.yes) {
    out.error(t('cli.kit.rotateWarning', {}, locale));
    throw new EngineError('CONFIRMATION_REQUIRED', { action: 'recovery-kit rotate --yes' });
  }
  const { r, docs } = await withEngine(ctx, async (e) => {
    const rotated = await e.rotateRecoveryKey({ confirmed: true, language: locale });
    return { r: rotated, docs: values.pdf || values.html ? await e.recoveryKitDocuments(locale) : null };
  });
  if (docs) await writeKitFiles(ctx, docs);
  else out.data(r);
  printRecoveryKey(ctx, r.repoId, r.location, r.recoveryKey);
  out.line(t('cli.kit.rotated', {}, locale));
  if (r.confirmPositions) out.line(t('cli.kit.ask', { a: r.confirmPositions[0], b: r.confirmPositions[1] }, locale));
  return 0;
}
