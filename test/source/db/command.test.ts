// The dump command runner with real child processes (sh scripts standing in for the database programs).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandOutput, dumpTestProgressText, dumpTestText, openDump, testDump, type CommandSpec } from '../../../src/source/db/index.js';
import { errorText } from '../../../src/i18n/index.js';
import { EngineError, isEngineError } from '../../../src/shared/errors.js';
import { tempDir } from '../../support/tmp.js';

const SECRET = 'hunter2-Sênha"\\ $x';

function sh(script: string, extra: Partial<CommandSpec> = {}): CommandSpec {
  return { tool: 'pg_dump', executable: '/bin/sh', args: ['-c', script], ...extra };
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of it) parts.push(b);
  return Buffer.concat(parts);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** A folder with fake client programs: each writes its arguments and password variables to files, then a dump. */
async function fakeTools(body: string): Promise<{ dir: string; seen: (name: string) => string }> {
  const dir = await tempDir('cb-fake-tools-');
  for (const name of ['pg_dump', 'mysqldump', 'gbak']) {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      `#!/bin/sh
if [ "$1" = "--version" ] || [ "$1" = "-z" ]; then echo "${name} (fake) 1.0"; exit 0; fi
printf '%s\\n' "$@" > "${dir}/${name}.argv"
env | grep -E '^(PGPASSWORD|ISC_PASSWORD|ISC_USER|MYSQL_PWD)=' | sort > "${dir}/${name}.env"
for a in "$@"; do case "$a" in --defaults-extra-file=*) f="\${a#--defaults-extra-file=}"; cat "$f" > "${dir}/${name}.optfile"; stat -c %a "$f" > "${dir}/${name}.optmode";; esac; done
${body}
`,
    );
    chmodSync(file, 0o755);
  }
  return { dir, seen: (name) => readFileSync(path.join(dir, name), 'utf8') };
}

describe('dump commands', () => {
  it('streams the program output unchanged', async () => {
    const dir = await tempDir('cb-cmd-');
    const data = randomBytes(5_000_000);
    writeFileSync(path.join(dir, 'data'), data);
    const out = await collect(commandOutput(sh(`cat "${dir}/data"`)));
    assert.deepEqual(out, data);
  });

  it('fails at the end when the program exits with an error, with its scrubbed stderr, even after some output', async () => {
    const spec = sh(`echo partial; echo "FATAL: password authentication failed for user \\"clinica\\" ($PGPASSWORD) postgres://u:$PGPASSWORD@h/db password=other-secret" >&2; exit 3`, {
      env: { PGPASSWORD: SECRET },
      secrets: [SECRET],
    });
    let got = '';
    await assert.rejects(
      (async () => {
        for await (const b of commandOutput(spec)) got += b.toString();
      })(),
      (e) => {
        assert.ok(isEngineError(e, 'DUMP_FAILED'));
        assert.equal(e.details['exitCode'], 3);
        assert.equal(e.details['signal'], null);
        const stderr = String(e.details['stderr']);
        assert.match(stderr, /password authentication failed for user "clinica"/);
        assert.ok(!stderr.includes(SECRET), stderr);
        assert.ok(!stderr.includes('other-secret'), stderr);
        assert.ok(!stderr.includes('hunter2'), stderr);
        for (const locale of ['pt-BR', 'en'] as const) {
          const text = errorText(e, locale);
          assert.ok(!text.includes('hunter2'), text);
          assert.match(text, /pg_dump/);
        }
        return true;
      },
    );
    assert.equal(got, 'partial\n', 'the output came first; the failure is not silent');
  });

  it('reports a program killed by a signal, and keeps only the end of a huge stderr', async () => {
    await assert.rejects(collect(commandOutput(sh('kill -9 $$'))), (e) => isEngineError(e, 'DUMP_FAILED') && e.details['signal'] === 'SIGKILL');
    await assert.rejects(collect(commandOutput(sh('head -c 3000000 /dev/zero | tr "\\0" "x" >&2; echo >&2; echo the real error >&2; exit 1'))), (e) => {
      assert.ok(isEngineError(e, 'DUMP_FAILED'));
      const stderr = String(e.details['stderr']);
      assert.ok(stderr.length <= 2100, `${stderr.length} chars`);
      assert.match(stderr, /the real error$/);
      return true;
    });
  });

  it('names the package to install when the program is missing', async () => {
    await assert.rejects(collect(commandOutput({ tool: 'gbak', executable: '/nonexistent/gbak', args: [] })), (e) => {
      assert.ok(isEngineError(e, 'DUMP_TOOL_MISSING'));
      assert.equal(e.details['debianPackage'], 'firebird3.0-utils');
      assert.match(errorText(e), /firebird3\.0-utils/);
      return true;
    });
    const empty = await tempDir('cb-notools-');
    const r = await testDump({ kind: 'postgres', host: '127.0.0.1', user: 'u', database: 'd', toolDir: empty }, {});
    assert.ok(!r.ok && r.error.code === 'DUMP_TOOL_MISSING' && r.error.details?.['debianPackage'] === 'postgresql-client');
  });

  it('stops the program on cancel and when the consumer stops reading', async () => {
    const dir = await tempDir('cb-cmd-');
    const pidFile = path.join(dir, 'pid');
    const ac = new AbortController();
    const run = collect(commandOutput(sh(`echo $$ > "${pidFile}"; exec sleep 60`), { signal: ac.signal }));
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().length > 0, 'the program to start');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    ac.abort();
    await assert.rejects(run, (e) => isEngineError(e, 'CANCELLED'));
    assert.equal(alive(pid), false);

    const pid2File = path.join(dir, 'pid2');
    let n = 0;
    for await (const b of commandOutput(sh(`echo $$ > "${pid2File}"; exec yes clinica`))) {
      n += b.length;
      if (n > 1_000_000) break;
    }
    const pid2 = Number(readFileSync(pid2File, 'utf8'));
    assert.equal(alive(pid2), false);
  });

  it('kills with SIGKILL a program that ignores SIGTERM', async () => {
    const dir = await tempDir('cb-cmd-');
    const pidFile = path.join(dir, 'pid');
    const ac = new AbortController();
    const run = collect(commandOutput(sh(`trap "" TERM; echo $$ > "${pidFile}"; while :; do sleep 0.05; done`), { signal: ac.signal, killGraceMs: 200 }));
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().length > 0, 'the program to start');
    ac.abort();
    await assert.rejects(run, (e) => isEngineError(e, 'CANCELLED'));
    assert.equal(alive(Number(readFileSync(pidFile, 'utf8'))), false);
  });

  it('feeds standard input, and an input failure wins over the broken pipe it causes', async () => {
    const data = randomBytes(3_000_000);
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let i = 0; i < data.length; i += 100_000) yield data.subarray(i, i + 100_000);
    }
    assert.deepEqual(await collect(commandOutput(sh('cat'), { stdin: pieces() })), data);
    async function* broken(): AsyncGenerator<Buffer> {
      yield data.subarray(0, 1000);
      throw new EngineError('BLOB_MISSING', { id: 'x' });
    }
    await assert.rejects(collect(commandOutput(sh('cat > /dev/null; exit 1'), { stdin: broken(), failure: 'DB_RESTORE_FAILED' })), (e) => isEngineError(e, 'BLOB_MISSING'));
  });

  it('puts passwords in the environment or a 0600 option file, never in argv, and removes the option file', async () => {
    const tools = await fakeTools('echo dump-bytes');
    const creds = { password: SECRET };
    const pg = await openDump({ kind: 'postgres', host: '127.0.0.1', port: 5433, user: 'clinica', database: 'prontuario', toolDir: tools.dir }, creds);
    assert.equal((await collect(pg.stream)).toString(), 'dump-bytes\n');
    assert.deepEqual(pg.meta, {
      kind: 'postgres',
      fileName: 'prontuario.pgdump',
      tool: 'pg_dump',
      toolVersion: 'pg_dump (fake) 1.0',
      label: 'PostgreSQL prontuario on 127.0.0.1:5433',
    });
    assert.deepEqual(tools.seen('pg_dump.argv').trim().split('\n'), [
      '--format=custom',
      '--compress=0',
      '--host=127.0.0.1',
      '--port=5433',
      '--username=clinica',
      '--no-password',
      '--dbname=prontuario',
    ]);
    assert.equal(tools.seen('pg_dump.env'), `PGPASSWORD=${SECRET}\n`);

    const my = await openDump({ kind: 'mysql', host: 'db.local', user: 'backup', database: 'clinica', toolDir: tools.dir }, creds);
    await collect(my.stream);
    const argv = tools.seen('mysqldump.argv');
    assert.ok(!argv.includes('hunter2'));
    assert.match(argv, /^--defaults-extra-file=/);
    assert.match(argv, /--single-transaction/);
    assert.equal(tools.seen('mysqldump.env'), '', 'no MYSQL_PWD');
    assert.equal(tools.seen('mysqldump.optmode').trim(), '600');
    assert.match(tools.seen('mysqldump.optfile'), /^\[client\]\npassword="hunter2-Sênha\\"\\\\ \$x"\n$/);
    const optFile = argv.split('\n')[0]!.slice('--defaults-extra-file='.length);
    assert.equal(existsSync(optFile), false, 'option file removed');
    assert.equal(existsSync(path.dirname(optFile)), false, 'its folder too');
    assert.equal(my.meta.fileName, 'clinica.sql');

    const fb = await openDump({ kind: 'firebird', host: 'servidor', port: 3050, user: 'SYSDBA', database: 'C:\\Dados\\CLINICA.FDB', toolDir: tools.dir }, creds);
    await collect(fb.stream);
    assert.deepEqual(tools.seen('gbak.argv').trim().split('\n'), ['-b', 'servidor/3050:C:\\Dados\\CLINICA.FDB', 'stdout']);
    assert.equal(tools.seen('gbak.env'), `ISC_PASSWORD=${SECRET}\nISC_USER=SYSDBA\n`);
    assert.equal(fb.meta.fileName, 'CLINICA.fbk');
    for (const f of ['pg_dump.argv', 'mysqldump.argv', 'gbak.argv']) assert.ok(!tools.seen(f).includes('hunter2'), f);
  });

  it('refuses an empty dump, and the test helper reports size and time or the error', async () => {
    const empty = await fakeTools('exit 0');
    const r = await testDump({ kind: 'firebird', user: 'SYSDBA', database: '/srv/clinica.fdb', toolDir: empty.dir }, {});
    assert.ok(!r.ok && r.error.code === 'DUMP_EMPTY');
    const some = await fakeTools('head -c 1234567 /dev/zero');
    const progress: number[] = [];
    const ok = await testDump({ kind: 'firebird', user: 'SYSDBA', database: '/srv/clinica.fdb', toolDir: some.dir }, {});
    assert.ok(ok.ok);
    assert.equal(ok.value.bytes, 1234567);
    assert.ok(ok.value.seconds >= 0);
    assert.match(dumpTestText(ok.value), /^A cópia do banco de dados funcionou: 1,2 MB em [\d,]+ s \(gbak \(fake\) 1\.0\)/);
    assert.match(dumpTestText(ok.value, 'en'), /^The database dump works: 1\.2 MB in [\d.]+ s/);
    assert.equal(dumpTestProgressText(8_400_000), 'Testando a cópia do banco de dados: 8,4 MB até agora…');
    const withProgress = await testDump(
      { kind: 'firebird', user: 'SYSDBA', database: '/srv/clinica.fdb', toolDir: some.dir },
      {},
      { onProgress: (b) => progress.push(b), progressEveryBytes: 100_000 },
    );
    assert.ok(withProgress.ok && progress.length >= 5 && progress.every((b, i) => i === 0 || b > progress[i - 1]!));
    const failing = await fakeTools(`echo "I/O error for file /srv/clinica.fdb; password $ISC_PASSWORD" >&2; exit 1`);
    const bad = await testDump({ kind: 'firebird', user: 'SYSDBA', database: '/srv/clinica.fdb', toolDir: failing.dir }, { password: SECRET }, { locale: 'en' });
    assert.ok(!bad.ok);
    assert.equal(bad.error.code, 'DUMP_FAILED');
    assert.match(bad.error.message, /^The database dump failed \(gbak, exit code 1/);
    assert.ok(!JSON.stringify(bad.error).includes('hunter2'));
  });
});
