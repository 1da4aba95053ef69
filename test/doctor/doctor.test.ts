// runDoctor as a whole: a full run over real parts, the report's order and summary, progress callbacks,
// cancellation, and the text of every check in both languages.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctor } from '../../src/doctor/doctor.js';
import { renderDoctorCheck } from '../../src/doctor/render.js';
import type { DoctorCheck } from '../../src/doctor/types.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { acquireSchedulerLock } from '../../src/scheduler/schedulerLock.js';
import { hasMessage, LOCALES, messageArguments } from '../../src/i18n/index.js';
import { doctorMessages } from '../../src/i18n/messages/doctor.js';
import { isEngineError } from '../../src/shared/errors.js';
import { sandbox } from '../sandbox/helpers.js';
import { tempDir } from '../support/tmp.js';
import { freePort } from '../alerts/support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('runDoctor', () => {
  it('a full run: fixed order, summary, progress callbacks, text in both languages', async () => {
    const s = await sandbox({ patients: 1, clockOffsetMs: 8 * 60_000 });
    const dir = await tempDir('cb-doctor-full-');
    const good = path.join(dir, 'nas');
    const b = await LocalBackend.create(good);
    await b.write({ kind: 'config', name: 'config' }, Buffer.from('{}'));
    const unplugged = path.join(dir, 'usb');
    await mkdir(unplugged);
    const lock = await acquireSchedulerLock(path.join(dir, 'locks'), 'repo1');
    const seen: DoctorCheck[] = [];
    try {
      const r = await runDoctor(
        {
          source: { url: s.url },
          destinations: [
            { id: 'nas', label: 'NAS', kind: 'local', path: good },
            { id: 'usb', label: 'Disco USB', kind: 'local', path: unplugged },
          ],
          secretStore: { kind: 'file' },
          schedule: { lockDir: path.join(dir, 'locks'), repoId: 'repo1' },
          drill: { lastAt: null },
          recoveryKit: { confirmed: false },
          limits: { minFreeBytes: 1, diskWarnPercent: 100, diskFailPercent: 100 },
        },
        { onCheck: (c) => seen.push(c) },
      );
      assert.deepEqual(
        r.checks.map((c) => `${c.id}${c.subject ? `@${c.subject}` : ''}=${c.status}`),
        [
          'source.reachable=pass',
          'source.authorised=warn',
          'source.export=pass',
          'source.clock=warn',
          'destination.mounted@nas=pass',
          'destination.writable@nas=pass',
          'destination.space@nas=pass',
          'destination.mounted@usb=fail',
          'destination.writable@usb=skip',
          'destination.space@usb=skip',
          'keychain=pass',
          'schedule=pass',
          'drill=warn',
          'recoveryKit=warn',
        ],
      );
      assert.equal(r.ok, false, 'the unplugged drive fails');
      assert.equal(r.worst, 'high');
      assert.equal(seen.length, r.checks.length);
      for (const c of r.checks) {
        assert.equal(c.ok, c.status === 'pass');
        assert.equal(c.severity === 'info', c.status === 'pass' || c.status === 'skip', c.id);
        for (const locale of LOCALES) {
          const text = renderDoctorCheck(c, { locale });
          for (const part of [text.title, text.detail, text.fix ?? '', text.statusLabel]) assert.doesNotMatch(part, /\{\w+\}|^doctor\./, `${c.detailKey} ${locale}: ${part}`);
          assert.equal(text.fix === null, c.fixKey === null);
        }
      }
      const usb = renderDoctorCheck(r.checks[7]!, { locale: 'pt-BR' });
      assert.equal(usb.title, 'Destino Disco USB conectado');
      assert.match(usb.detail, /o disco ou a pasta de rede provavelmente não está conectado/);
      assert.match(usb.fix ?? '', /Conecte o disco de backup/);
      const clock = renderDoctorCheck(r.checks[3]!, { locale: 'en' });
      assert.equal(clock.detail, "The FHIR server's clock is 8 minutes ahead of this computer.");
    } finally {
      await lock.release();
    }
  });

  it('an empty input runs nothing and is ok', async () => {
    const r = await runDoctor({});
    assert.deepEqual([r.checks, r.ok, r.worst], [[], true, 'info']);
  });

  it('duplicate destination ids are refused; a fired signal cancels', async () => {
    await assert.rejects(
      runDoctor({
        destinations: [
          { id: 'a', kind: 'local', path: '/x' },
          { id: 'a', kind: 'local', path: '/y' },
        ],
      }),
      (e: unknown) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(runDoctor({ source: { url: `http://127.0.0.1:${await freePort()}/fhir` } }, { signal: ac.signal }), (e: unknown) => isEngineError(e, 'CANCELLED'));
  });
});

describe('doctor i18n', () => {
  it('every key the checks can produce exists', () => {
    const missing: string[] = [];
    for (const f of readdirSync(path.join(root, 'src', 'doctor')).filter((x) => x.endsWith('.ts'))) {
      const text = readFileSync(path.join(root, 'src', 'doctor', f), 'utf8');
      for (const m of text.matchAll(/result\(\s*'([\w.]+)',\s*(?:'\w+'|[^,]+),\s*'(\w+)'/g)) {
        if (!hasMessage(`doctor.${m[1]}.${m[2]}`)) missing.push(`${f}: doctor.${m[1]}.${m[2]}`);
        if (!hasMessage(`doctor.${m[1]}.title`)) missing.push(`${f}: doctor.${m[1]}.title`);
      }
      for (const m of text.matchAll(/fix: '(\w+)'/g)) if (!hasMessage(`doctor.fix.${m[1]}`)) missing.push(`${f}: doctor.fix.${m[1]}`);
      if (f !== 'result.ts')
        for (const m of text.matchAll(/\? '(\w+)' : '(\w+)'/g)) for (const o of [m[1], m[2]]) if (!Object.keys(doctorMessages).some((k) => k.endsWith(`.${o}`))) missing.push(`${f}: *.${o}`);
      for (const m of text.matchAll(/'doctor\.[\w.]+'/g)) if (!hasMessage(m[0].slice(1, -1))) missing.push(`${f}: ${m[0]}`);
    }
    // The S3 outcome and fix tables of destination.ts.
    const dest = readFileSync(path.join(root, 'src', 'doctor', 'destination.ts'), 'utf8');
    for (const m of dest.matchAll(/^\s+[A-Z0-9_]+: '(\w+)',$/gm)) {
      if (!hasMessage(`doctor.fix.${m[1]}`) && !hasMessage(`doctor.destination.s3.reachable.${m[1]}`)) missing.push(`s3 table: ${m[1]}`);
    }
    for (const s of ['pass', 'warn', 'fail', 'skip']) if (!hasMessage(`doctor.status.${s}`)) missing.push(s);
    assert.deepEqual(missing, []);
  });

  it('both languages, same placeholders, module prefix', () => {
    // Placeholders and plural arguments (not the words inside a plural's branches).
    const ph = messageArguments;
    for (const [key, msg] of Object.entries(doctorMessages)) {
      assert.ok(key.startsWith('doctor.'), key);
      for (const l of LOCALES) assert.ok(msg[l].trim().length > 0, `${key} ${l}`);
      assert.deepEqual(ph(msg['pt-BR']), ph(msg.en), key);
    }
  });
});
