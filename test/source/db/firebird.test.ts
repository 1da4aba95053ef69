// A real Firebird 3 server from Debian on a loopback port: gbak backup to stdout streamed through the dump source
// (ISC_USER/ISC_PASSWORD in its environment), restored as its .fbk file and recreated with gbak -c; counts and
// checksums equal. Skips (printing why) where the server cannot run.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chunkerConfig, chunkStream } from '../../../src/source/files/index.js';
import { openDump, restoreDumpFile, testDump, type FirebirdSource } from '../../../src/source/db/index.js';
import { tempDir } from '../../support/tmp.js';
import { FIREBIRD_CLINIC_CHECKSUM, run, startClinicFirebird, type Firebird } from './servers.js';

describe('Firebird source (real server)', () => {
  let fb: (Firebird & { stop(): Promise<void> }) | null = null;
  let skip = '';
  let source: FirebirdSource;

  before(async () => {
    const started = await startClinicFirebird({ patients: 3000, photoBytes: 500 });
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    fb = started.server;
    source = { kind: 'firebird', host: '127.0.0.1', port: fb.port, user: 'SYSDBA', database: path.join(fb.dataDir, 'clinica.fdb'), passwordSecret: 'fb-clinica' };
  });
  after(() => fb?.stop());

  it('streams gbak through the chunker; the restored .fbk recreates a database with equal checksums', async (t) => {
    if (!fb) return t.skip(skip);
    const dump = await openDump(source, { password: fb.password });
    assert.equal(dump.meta.fileName, 'clinica.fbk');
    assert.match(dump.meta.toolVersion, /Firebird 3/);
    const cfg = chunkerConfig(Buffer.alloc(32, 5), { minBytes: 8 * 1024, avgBytes: 32 * 1024, maxBytes: 128 * 1024 });
    const chunks: Buffer[] = [];
    for await (const c of chunkStream(dump.stream, cfg)) chunks.push(c);
    assert.ok(chunks.length > 3, `${chunks.length} chunks`);

    const dir = await tempDir('cb-fb-restore-');
    const file = path.join(dir, dump.meta.fileName);
    async function* replay(): AsyncGenerator<Buffer> {
      yield* chunks;
    }
    await restoreDumpFile(replay(), file);
    run('/usr/bin/gbak', ['-c', file, fb.url('restaurado.fdb')], { env: fb.env });
    const original = fb.isql(FIREBIRD_CLINIC_CHECKSUM, 'clinica.fdb');
    assert.match(original, /PACIENTES\s+3000/);
    assert.match(original, /CONSULTAS\s+3000/);
    assert.equal(fb.isql(FIREBIRD_CLINIC_CHECKSUM, 'restaurado.fdb'), original);
  });

  it('reports a wrong password in a stable code without the password', async (t) => {
    if (!fb) return t.skip(skip);
    const wrong = 'errada-S3nha-789';
    const r = await testDump(source, { password: wrong }, { locale: 'en' });
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'DUMP_FAILED');
    assert.match(String(r.error.details?.['stderr']), /user name and password are not defined/);
    assert.ok(!JSON.stringify(r.error).includes(wrong));
    const missing = await testDump({ ...source, database: path.join(fb.dataDir, 'nao-existe.fdb') }, { password: fb.password });
    assert.ok(!missing.ok && missing.error.code === 'DUMP_FAILED', JSON.stringify(missing));
    const ok = await testDump(source, { password: fb.password });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.ok(ok.value.bytes > 100_000, `${ok.value.bytes} bytes`);
  });
});
