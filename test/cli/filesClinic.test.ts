/**
 * Issue #17's "done when", through the CLI only, from a fresh state: a clinic with no records server, only a folder
 * of documents and the practice program's PostgreSQL database (a real one, started here on loopback). The repository
 * key lives in the real keyring (no password file); the database password and the offsite key go into the secret
 * store from files, never argv. `init`, `sources add` (folder and PostgreSQL), `destinations add s3` (a real s3rver
 * on 127.0.0.1), `sources backup`, `replicate` (the offsite copy brought up to date), `drill --source-name` of each
 * source, one file restored byte-identical, the database restored into a new database (row counts and checksums
 * equal), and finally one file restored from the offsite copy alone with the local repository folder renamed away.
 * PostgreSQL and s3rver are stopped in `after`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import S3rver from 's3rver';
import { startClinicPostgres, type Postgres } from '../source/db/servers.js';
import { runCli, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const BUCKET = 'clinica-offsite';
const S3_SECRET = 'S3RVER';
const CHECKSUMS = `select 'pacientes', count(*), md5(string_agg(p::text, '|' order by id)) from pacientes p
union all select 'consultas', count(*), md5(string_agg(c::text, '|' order by id)) from consultas c;`;

function json<T>(r: CliResult): T {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout) as T;
}

describe('a clinic with only folders and a PostgreSQL database, through the CLI', () => {
  let pg: (Postgres & { stop(): Promise<void> }) | null = null;
  let skip = '';

  before(async () => {
    const started = await startClinicPostgres(
      `create table pacientes (id serial primary key, nome text not null, foto bytea);
       insert into pacientes (nome, foto) select 'Paciente ' || i || ' Conceição', decode(repeat(md5(i::text), 8), 'hex') from generate_series(1, 2000) i;
       create table consultas (id bigserial primary key, paciente int references pacientes(id), nota text);
       insert into consultas (paciente, nota) select 1 + i % 2000, repeat('retorno em 30 dias; ', 1 + i % 4) from generate_series(1, 6000) i;`,
    );
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    pg = started.server;
  });
  after(() => pg?.stop());

  it('sets up, backs up, copies offsite, drills both sources, restores one file and the database, then a file from the offsite copy alone', { timeout: 600_000 }, async (t) => {
    if (!pg) return t.skip(skip);
    const s3dir = await tempDir('cb-cli-clinic-s3-');
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
    const s3port = (await s3.run()).port;
    after(() => s3.close());
    const endpoint = `http://127.0.0.1:${s3port}`;

    const dir = await tempDir('cb-cli-clinic-');
    const repo = path.join(dir, 'repo');
    const env = {
      CLINIC_BACKUP_REPO: repo,
      CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
      CLINIC_BACKUP_KEYCHAIN_SERVICE: `clinic-backup-test-files-clinic-${process.pid}`,
      CLINIC_BACKUP_LANG: 'en',
      // No AWS_* variables: the offsite copy works only with the key given to `destinations add`.
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
      AWS_CONFIG_FILE: path.join(dir, 'none'),
    };

    // The clinic's documents: binary files, an accented name, a nested folder.
    const docs = path.join(dir, 'Documentos');
    await mkdir(path.join(docs, 'laudos'), { recursive: true });
    await mkdir(path.join(docs, 'imagens', 'dermatoscopio', '2026'), { recursive: true });
    const report = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000)]);
    await writeFile(path.join(docs, 'laudos', 'ultrassom Conceição.pdf'), report);
    await writeFile(path.join(docs, 'laudos', 'receita João.pdf'), Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(20_000)]));
    const lesion = randomBytes(250_000);
    await writeFile(path.join(docs, 'imagens', 'dermatoscopio', '2026', 'lesão-1.jpg'), lesion);
    await writeFile(path.join(docs, 'imagens', 'dermatoscopio', '2026', 'lesão-2.jpg'), randomBytes(180_000));

    // 1. Setup: the repository (its key in the keyring, a recovery key printed), the two sources, the offsite copy.
    const init = json<{ slots: { kind: string }[]; recoveryKey?: unknown }>(await runCli(['init', '--json'], env));
    assert.deepEqual(init.slots.map((s) => s.kind).sort(), ['keychain', 'recovery']);
    const pgPassword = path.join(dir, 'pg-password');
    await writeFile(pgPassword, `${pg.password}\n`, { mode: 0o600 });
    json(await runCli(['secrets', 'set', 'pg-clinica', '--from-file', pgPassword, '--json'], env));
    json(await runCli(['sources', 'add', '--name', 'Documentos', '--path', docs, '--json'], env));
    const pgArgs = ['--db', 'postgres', '--db-host', '127.0.0.1', '--db-port', String(pg.port), '--db-user', pg.user, '--database', 'clinica', '--db-password-secret', 'pg-clinica'];
    const sources = json<{ kind: string; name: string }[]>(await runCli(['sources', 'add', '--name', 'Sistema da clínica', ...pgArgs, '--json'], env));
    assert.deepEqual(
      sources.map((s) => `${s.kind}:${s.name}`),
      ['folders:Documentos', 'database:Sistema da clínica'],
    );
    const keyFile = path.join(dir, 's3-secret');
    await writeFile(keyFile, `${S3_SECRET}\n`, { mode: 0o600 });
    const added = json<{ location: string }>(
      await runCli(
        ['destinations', 'add', 's3', '--endpoint', endpoint, '--bucket', BUCKET, '--prefix', 'clinica', '--region', 'sa-east-1', '--access-key-id', 'S3RVER', '--from-file', keyFile, '--json'],
        env,
      ),
    );
    const offsite = added.location;
    assert.equal(offsite, `s3:${endpoint}/${BUCKET}/clinica`);

    // 2. Back up every source; 3. bring the offsite copy up to date.
    const backedUp = json<{ name: string; kind: string; ok: boolean; snapshotId: string }[]>(await runCli(['sources', 'backup', '--json'], env, 300_000));
    assert.deepEqual(
      backedUp.map((o) => [o.name, o.ok]),
      [
        ['Documentos', true],
        ['Sistema da clínica', true],
      ],
    );
    const [filesSnap, dbSnap] = backedUp.map((o) => o.snapshotId) as [string, string];
    const rep = json<{ complete: boolean; failed: unknown[] }>(await runCli(['replicate', '--to', offsite, '--json'], env, 300_000));
    assert.equal(rep.complete, true);
    assert.deepEqual(rep.failed, []);
    const dests = json<{ location: string; latestSnapshot: string | null; lastSuccessAt: string | null }[]>(await runCli(['destinations', '--json'], env));
    assert.equal(dests.length, 1);
    assert.ok(dests[0]?.lastSuccessAt, 'the copy says when it last succeeded');
    assert.ok([filesSnap, dbSnap].includes(dests[0]?.latestSnapshot ?? ''), 'the copy holds the latest backup');

    // 4. Restore drills of each source say what they proved.
    const filesDrill = json<{ status: string; kind: string; proofs: { ok: boolean; text: string }[] }>(await runCli(['drill', '--source-name', 'Documentos', '--json'], env, 300_000));
    assert.equal(filesDrill.status, 'success');
    assert.equal(filesDrill.kind, 'files');
    assert.ok(filesDrill.proofs.length > 0 && filesDrill.proofs.every((p) => p.ok), JSON.stringify(filesDrill.proofs));
    const dbDrill = json<{ status: string; proofs: { code: string; ok: boolean; text: string }[] }>(await runCli(['drill', '--source-name', 'Sistema da clínica', '--json'], env, 300_000));
    assert.equal(dbDrill.status, 'success', JSON.stringify(dbDrill.proofs));
    assert.ok(dbDrill.proofs.every((p) => p.ok));
    assert.ok(
      dbDrill.proofs.some((p) => p.code === 'dbSanityQuery'),
      'a sanity query ran on a throw-away database',
    );
    assert.match(dbDrill.proofs.find((p) => p.code === 'dbSanityQuery')?.text ?? '', /8[,.]?000/, 'the sanity query counted every row');

    // 5. One file restored byte-identical into a new folder.
    const oneOut = path.join(dir, 'restaurado-laudo');
    // The database was backed up last, so the folder source is named (`--source-name`), not given by its id.
    const listed = json<{ snapshotId: string; entries: { path: string }[] }>(await runCli(['ls', '--source-name', 'Documentos', '--path', 'Documentos', '--query', 'conceicao', '--json'], env));
    assert.equal(listed.snapshotId, filesSnap);
    assert.deepEqual(
      listed.entries.map((e) => e.path),
      ['Documentos/laudos/ultrassom Conceição.pdf'],
    );
    const one = json<{ written: number }>(await runCli(['restore', '--source-name', 'Documentos', '--path', 'Documentos/laudos/ultrassom Conceição.pdf', '--target', oneOut, '--json'], env));
    assert.equal(one.written, 1);
    assert.deepEqual(await readdir(oneOut), ['ultrassom Conceição.pdf']);
    assert.ok((await readFile(path.join(oneOut, 'ultrassom Conceição.pdf'))).equals(report), 'byte-identical');

    // 6. The database restored into a NEW database: row counts and checksums equal; never over an existing one.
    // By the source's name: its latest dump, on its own server with its own stored password (no connection repeated).
    const db = json<{ kind: string; into: string; snapshotId: string }>(
      await runCli(['restore', '--source-name', 'Sistema da clínica', '--into-database', 'clinica_restaurada', '--json'], env, 300_000),
    );
    assert.equal(db.kind, 'postgres');
    assert.equal(db.snapshotId, dbSnap);
    assert.equal(pg.sql('clinica_restaurada', CHECKSUMS), pg.sql('clinica', CHECKSUMS));
    assert.match(pg.sql('clinica', CHECKSUMS), /^pacientes\|2000\|[0-9a-f]{32}\nconsultas\|6000\|[0-9a-f]{32}$/);
    // Or by snapshot id with the connection given.
    const over = await runCli(['restore', dbSnap, '--into-database', 'clinica', ...pgArgs, '--json'], env);
    assert.notEqual(over.code, 0);
    assert.equal((JSON.parse(over.stdout) as { error: { code: string } }).error.code, 'DB_RESTORE_TARGET_EXISTS');

    // 7. The local repository is gone (renamed away): the offsite copy alone restores a file byte-identical.
    await rename(repo, path.join(dir, 'repo-perdido'));
    const gone = await runCli(['snapshots', '--json'], env);
    assert.notEqual(gone.code, 0, 'the local repository really is gone');
    const offsiteEnv = { ...env, CLINIC_BACKUP_REPO: offsite };
    const snaps = json<{ id: string; source: { kind: string } }[]>(await runCli(['snapshots', '--json'], offsiteEnv));
    assert.ok(snaps.some((s) => s.id === filesSnap) && snaps.some((s) => s.id === dbSnap), 'both backups are in the offsite copy');
    const fromOffsite = path.join(dir, 'da-copia-externa');
    json(await runCli(['restore', '--source-name', 'Documentos', '--path', 'Documentos/imagens/dermatoscopio/2026/lesão-1.jpg', '--target', fromOffsite, '--json'], offsiteEnv, 300_000));
    assert.ok((await readFile(path.join(fromOffsite, 'lesão-1.jpg'))).equals(lesion), 'byte-identical from the offsite copy');

    // --source-name is a mistake without a path or a database to restore into, and beside a snapshot id.
    const alone = await runCli(['restore', '--source-name', 'Documentos', '--target', path.join(dir, 'x')], offsiteEnv);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--source-name/);
    const both = await runCli(['restore', filesSnap, '--source-name', 'Documentos', '--path', 'Documentos'], offsiteEnv);
    assert.equal(both.code, 2);
    const unknown = await runCli(['restore', '--source-name', 'Nao existe', '--path', 'Documentos', '--target', path.join(dir, 'y'), '--json'], offsiteEnv);
    assert.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'SNAPSHOT_NOT_FOUND');

    // The settings name the database password's secret, never hold it.
    const settings = await runCli(['settings', '--json'], offsiteEnv);
    assert.equal((settings.stdout + settings.stderr).includes(pg.password), false);
  });
});
