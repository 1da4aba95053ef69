// Every "drills.*" key used by src/drills exists in both languages with the same placeholders.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hasMessage, LOCALES, messageArguments } from '../../src/i18n/index.js';
import { drillsMessages } from '../../src/i18n/messages/drills.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('drills i18n keys: used keys exist; both languages; same placeholders', () => {
  const dir = path.join(root, 'src', 'drills');
  const missing: string[] = [];
  let used = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
    for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/'(drills\.[A-Za-z0-9.-]+)'/g)) {
      used++;
      if (!hasMessage(m[1] as string)) missing.push(`${f}: ${m[1] as string}`);
    }
  }
  assert.ok(used > 10);
  assert.deepEqual(missing, []);
  // Placeholders and plural arguments (not the words inside a plural's branches).
  const placeholders = messageArguments;
  for (const [key, msg] of Object.entries(drillsMessages)) {
    assert.ok(key.startsWith('drills.'), key);
    for (const l of LOCALES) assert.ok(msg[l].trim().length > 0, `${key} ${l}`);
    assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), key);
  }
});
