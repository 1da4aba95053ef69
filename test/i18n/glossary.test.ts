/**
 * One glossary in both languages: a snapshot is a "ponto de restauração" (restore point) and never a "cópia";
 * "cópia"/"copy" is a destination holding the repository (NAS, USB drive, bucket). Checked over every message of
 * the engine (CLI, reports, alerts, errors …) and of the user interface.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { catalogueEntries, LOCALES } from '../../src/i18n/index.js';
import { MESSAGES } from '../../renderer/src/i18n/messages.js';

/** Command syntax names snapshots in English in both languages (`clinic-backup snapshots`, `--snapshot`). */
const SYNTAX = /`[^`]*`|clinic-backup [a-z-]+( [a-z-]+)?|--snapshot|cat snapshot|repair snapshots|\[snapshot\]|<snapshot>|snapshot <id>|\(snapshots\)/g;

function catalogue(): [string, { 'pt-BR': string; en: string }][] {
  return [...catalogueEntries(), ...Object.entries(MESSAGES)];
}

test('a snapshot is never called a copy; a copy is never a snapshot (pt-BR and en)', () => {
  const wrong: string[] = [];
  for (const [key, msg] of catalogue()) {
    for (const l of LOCALES) assert.ok(typeof msg[l] === 'string', `${key} ${l}`);
    const en = msg.en.replace(SYNTAX, '');
    const pt = msg['pt-BR'].replace(SYNTAX, '');
    const enSnapshot = /\bsnapshots?\b|restore points?/i.test(en);
    const enCopy = /\bcop(y|ies)\b/i.test(en);
    const ptSnapshot = /pontos? de restaura[çc][ãa]o/i.test(pt);
    const ptCopy = /\bc[óo]pias?\b/i.test(pt);
    // Where one language speaks only of snapshots, the other must not speak of copies (and the other way round).
    if (enSnapshot && !enCopy && ptCopy) wrong.push(`${key}: "${msg['pt-BR']}" calls a snapshot a cópia`);
    if (ptSnapshot && !ptCopy && enCopy) wrong.push(`${key}: "${msg.en}" calls a restore point a copy`);
    if (ptCopy && !enCopy && enSnapshot && !ptSnapshot) wrong.push(`${key}: "${msg['pt-BR']}" calls a snapshot a cópia`);
    if (/\bsnapshots?\b/i.test(pt) && !/snapshot/i.test(msg.en)) wrong.push(`${key}: "${msg['pt-BR']}" uses the English word`);
  }
  assert.deepEqual(wrong, []);
});
