/**
 * The renderer's catalogue: pt-BR and en complete, same placeholders, and every key the screens use exists
 * (static scan of renderer/src for t('…') and t(`…${…}`) calls). Also the front-end texts of src/i18n (ui.ts).
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { MESSAGES } from '../../renderer/src/i18n/messages.js';
import { uiMessages } from '../../src/i18n/messages/ui.js';
import { ROOT } from '../support/cli.js';
import { REFUSED_WORDS } from './support.js';
import { catalogueEntries, messageArguments } from '../../src/i18n/index.js';

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(full)));
    else if (/\.tsx?$/.test(e.name) && e.name !== 'messages.ts') out.push(full);
  }
  return out;
}

// Placeholders and plural arguments (not the words inside a plural's branches).
const placeholders = messageArguments;

it('pt-BR and en are complete and use the same placeholders (renderer and ui.ts)', () => {
  for (const [key, msg] of [...Object.entries(MESSAGES), ...Object.entries(uiMessages)]) {
    assert.ok(msg['pt-BR'].trim().length > 0, `${key} pt-BR`);
    assert.ok(msg.en.trim().length > 0, `${key} en`);
    assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), `${key}: placeholders differ`);
  }
});

it('no message in any catalogue writes a plural as "(s)": counts go through plural rules', async () => {
  const engine = await import('../../src/i18n/index.js');
  const offenders: string[] = [];
  const all = [...Object.entries(MESSAGES), ...engine.catalogueEntries()];
  for (const [key, msg] of all) for (const l of ['pt-BR', 'en'] as const) if (/\p{L}\((s|es|ns|is|ões|y\/ies)\)/u.test(msg[l])) offenders.push(`${key} ${l}`);
  assert.ok(all.length > 500, 'both catalogues were read');
  assert.deepEqual(offenders, []);
});

it('no pt-BR text for clinic staff uses English or jargon without a plain label (screens, alerts, errors, reports)', () => {
  const offenders: string[] = [];
  const engine = catalogueEntries().filter(([key]) => !/^(cli\.|doctor\.|sandbox\.|reports\.plan|serve\.)/.test(key));
  for (const [key, msg] of [...Object.entries(MESSAGES), ...engine]) {
    // Placeholders are data; a technical term may follow its plain label in parentheses.
    const plain = msg['pt-BR'].replace(/\{[^{}]*\}/g, ' ').replace(/\([^()]*\)/g, ' ');
    for (const w of REFUSED_WORDS) if (new RegExp(`(?<![\\p{L}\\p{N}_/.-])${w}(?![\\p{L}\\p{N}_/-])`, 'iu').test(plain)) offenders.push(`${key}: ${w}`);
  }
  assert.deepEqual(offenders, []);
});

it('every key the screens use is in the catalogue', async () => {
  const keys = new Set(Object.keys(MESSAGES));
  const missing: string[] = [];
  for (const file of await sources(path.join(ROOT, 'renderer', 'src'))) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/\bt\('([A-Za-z0-9_.-]+)'/g)) if (!keys.has(m[1] as string)) missing.push(`${path.basename(file)}: ${m[1]}`);
    // Template keys: every key with that prefix and suffix must exist for each value the code can produce;
    // here at least one must exist (the type checker checks the unions).
    for (const m of text.matchAll(/\bt\(`([^`$]*)\$\{[^}]+\}([^`]*)`/g)) {
      const [, prefix, suffix] = m as unknown as [string, string, string];
      if (![...keys].some((k) => k.startsWith(prefix) && k.endsWith(suffix))) missing.push(`${path.basename(file)}: ${prefix}…${suffix}`);
    }
  }
  assert.deepEqual(missing, []);
});

it('the screens hold no hard-coded user-visible text outside the catalogue', async () => {
  const offenders: string[] = [];
  for (const file of await sources(path.join(ROOT, 'renderer', 'src'))) {
    if (!file.endsWith('.tsx')) continue;
    const text = await readFile(file, 'utf8');
    // JSX text nodes with letters (not expressions, not single symbols like › or ✚).
    for (const m of text.matchAll(/>[ \t]*\n?[ \t]*([A-Za-zÀ-ú][^<>{}\n;=()|&]*[A-Za-zÀ-ú.])[ \t]*\n?[ \t]*</g)) {
      const s = (m[1] as string).trim();
      if (['Clinic Backup', 'Português (Brasil)', 'English'].includes(s)) continue;
      offenders.push(`${path.basename(file)}: ${s}`);
    }
  }
  assert.deepEqual(offenders, []);
});
