// Every catalogue key used by src/policy, src/scheduler and src/catalog exists, in both languages,
// with the same placeholders.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasMessage, LOCALES, messageArguments } from '../../src/i18n/index.js';
import { policyMessages } from '../../src/i18n/messages/policy.js';
import { schedulerMessages } from '../../src/i18n/messages/scheduler.js';
import { catalogMessages } from '../../src/i18n/messages/catalog.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modules = ['policy', 'scheduler', 'catalog'] as const;

describe('i18n keys of policy, scheduler and catalog', () => {
  it('every literal key used in the source has a message', () => {
    const missing: string[] = [];
    for (const m of modules) {
      const dir = path.join(root, 'src', m);
      for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
        const text = readFileSync(path.join(dir, f), 'utf8');
        for (const match of text.matchAll(/'((?:policy|scheduler|catalog)\.[A-Za-z0-9.-]+)'/g)) {
          const key = match[1]!;
          if (!hasMessage(key)) missing.push(`${m}/${f}: ${key}`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });

  it('keys generated from data exist', () => {
    for (const r of ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly']) {
      assert.ok(hasMessage(`policy.keep.${r}`), r);
      assert.ok(hasMessage(`policy.rule.${r}`), r);
    }
    for (let w = 0; w < 7; w++) assert.ok(hasMessage(`scheduler.weekdayPlural.${w}`));
    for (const r of ['not-a-database', 'malformed', 'integrity-check']) assert.ok(hasMessage(`catalog.rebuilt.${r}`));
  });

  it('each message has both languages with the same placeholders and its module prefix', () => {
    // Placeholders and plural arguments (not the words inside a plural's branches).
    const placeholders = messageArguments;
    for (const [prefix, cat] of [
      ['policy.', policyMessages],
      ['scheduler.', schedulerMessages],
      ['catalog.', catalogMessages],
    ] as const) {
      for (const [key, msg] of Object.entries(cat)) {
        assert.ok(key.startsWith(prefix), key);
        for (const l of LOCALES) assert.ok(msg[l].trim().length > 0, `${key} ${l}`);
        assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), key);
      }
    }
  });
});
