// Every catalogue key src/source uses exists in both languages with the same placeholders; every error code the
// folder and database sources raise has user text in both languages.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { errorText, hasMessage, LOCALES, messageArguments } from '../../src/i18n/index.js';
import { sourceMessages } from '../../src/i18n/messages/source.js';
import { errorMessages } from '../../src/i18n/messages/errors.js';
import { DB_KINDS } from '../../src/source/db/index.js';
import { FILE_PROBLEM_CODES, planFolderNames } from '../../src/source/files/index.js';
import type { ErrorCode } from '../../src/shared/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// Placeholders and plural arguments (not the words inside a plural's branches).
const placeholders = messageArguments;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : n.endsWith('.ts') ? [p] : [];
  });
}

describe('i18n of the folder and database sources', () => {
  it('every literal key and error code used in src/source/files and src/source/db has text', () => {
    const missing: string[] = [];
    for (const f of [...sources(path.join(root, 'src/source/files')), ...sources(path.join(root, 'src/source/db'))]) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/'(source\.[A-Za-z0-9.-]+)'/g)) if (!hasMessage(m[1]!)) missing.push(`${f}: ${m[1]}`);
      for (const m of text.matchAll(/new EngineError\('([A-Z_]+)'/g)) if (!(m[1]! in errorMessages)) missing.push(`${f}: ${m[1]}`);
    }
    assert.deepEqual(missing, []);
  });

  it('keys built from data exist', () => {
    for (const k of DB_KINDS) {
      assert.ok(hasMessage(`source.db.kind.${k}`), k);
      assert.ok(hasMessage(`source.db.loadHint.${k}`), k);
    }
    const issues = new Set(planFolderNames(['CON', 'a:b', 'a：b', 'x.', 'Foto', 'foto', 'ç', 'ç'], 'windows').flatMap((c) => c.issues));
    for (const i of [...issues, 'normalization-collision']) assert.ok(hasMessage(`source.files.nameIssue.${i}`), i);
  });

  it('each message has both languages with the same placeholders', () => {
    for (const [key, msg] of Object.entries(sourceMessages)) {
      assert.ok(key.startsWith('source.'), key);
      for (const l of LOCALES) assert.ok(msg[l].trim().length > 0, `${key} ${l}`);
      assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), key);
    }
    const added: ErrorCode[] = [
      ...FILE_PROBLEM_CODES,
      'EXCLUDE_PATTERN_INVALID',
      'DUMP_TOOL_MISSING',
      'DUMP_FAILED',
      'DUMP_EMPTY',
      'DB_FILE_NOT_FOUND',
      'DB_RESTORE_TARGET_EXISTS',
      'DB_RESTORE_FAILED',
      'RESTORE_FILE_EXISTS',
    ];
    for (const code of added) {
      const msg = errorMessages[code];
      assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), code);
      // Every placeholder is filled: no "{path}" left in the text a receptionist reads.
      const details = Object.fromEntries(placeholders(msg.en).map((p) => [p, 'x']));
      for (const l of LOCALES) assert.doesNotMatch(errorText({ code, details }, l), /\{\w+\}/, `${code} ${l}`);
    }
  });
});
