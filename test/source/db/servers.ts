/**
 * Real database servers from Debian, started by a test in a temp folder on a loopback port and stopped after it:
 * PostgreSQL (initdb + postgres, as the "postgres" user: initdb refuses root), MariaDB (mariadb-install-db + mariadbd)
 * and Firebird 3 (its own root folder with a copy of the security database, server on its own port).
 * Each starter returns the server (with `stop`, which also removes its folder) or the reason it cannot run here (the
 * test then skips and prints it); a starter that fails cleans up after itself.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type Started<T> = { readonly ok: true; readonly server: T & { stop(): Promise<void> } } | { readonly ok: false; readonly reason: string };

function makeDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function failed<T>(dir: string, reason: string, stop?: () => void | Promise<void>): Promise<Started<T>> {
  return Promise.resolve(stop?.())
    .catch(() => undefined)
    .then(() => {
      removeDir(dir);
      return { ok: false, reason };
    });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(200);
  }
  return false;
}

interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly cwd?: string;
}

/** Runs a setup command; throws with its output when it fails. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): string {
  return execFileSync(cmd, [...args], {
    env: { ...process.env, ...options.env },
    input: options.input,
    uid: options.uid,
    gid: options.gid,
    cwd: options.cwd,
    timeout: 120_000,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function idOf(user: string): { uid: number; gid: number } | null {
  try {
    return { uid: Number(run('id', ['-u', user]).trim()), gid: Number(run('id', ['-g', user]).trim()) };
  } catch {
    return null;
  }
}

/**
 * A server started under a small shell guard holding a pipe from this process: when the pipe closes (stop(), or
 * this test process dies, even by SIGKILL) the guard stops the server with `signal`. Nothing outlives the test.
 */
interface Guarded {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

function guarded(cmd: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; signal: 'TERM' | 'INT' }): Guarded {
  const script = `"$@" & pid=$!; cat > /dev/null; kill -${options.signal} "$pid" 2>/dev/null; wait "$pid"`;
  const child = spawn('/bin/sh', ['-c', script, 'guard', cmd, ...args], {
    env: { ...process.env, ...options.env },
    uid: options.uid,
    gid: options.gid,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    stop: async () => {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

export interface Postgres {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Runs SQL as the superuser in `database`; returns unaligned, tuples-only output. */
  sql(database: string, sql: string): string;
}

/** Listening is not ready: the server refuses connections while it starts up. */
async function pgReady(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      run('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(port)]);
      return true;
    } catch {
      await sleep(200);
    }
  }
  return false;
}

export async function startPostgres(): Promise<Started<Postgres>> {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) return { ok: false, reason: 'PostgreSQL server programs not installed (Debian: apt-get install postgresql-15)' };
  const bin = path.join(base, versions[0]!, 'bin');
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot ? idOf('postgres') : { uid: process.getuid!(), gid: process.getgid!() };
  if (!owner) return { ok: false, reason: 'no "postgres" user to run the server as (initdb refuses root)' };
  const dir = makeDir('cb-pg-');
  chownSync(dir, owner.uid, owner.gid);
  const port = await freePort();
  const password = 'Pg-S3nha "clínica" $1';
  const pwfile = path.join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  chownSync(pwfile, owner.uid, owner.gid);
  const as = { uid: owner.uid, gid: owner.gid, cwd: dir };
  const data = path.join(dir, 'data');
  try {
    run(path.join(bin, 'initdb'), ['-D', data, '-U', 'clinic', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '-N'], as);
  } catch (err) {
    return failed(dir, `initdb failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const settings = ['listen_addresses=127.0.0.1', `port=${port}`, `unix_socket_directories=${dir}`, 'fsync=off', 'shared_buffers=16MB', 'max_connections=20'];
  const guard = guarded(path.join(bin, 'postgres'), ['-D', data, ...settings.flatMap((c) => ['-c', c])], { uid: owner.uid, gid: owner.gid, signal: 'INT' });
  if (!(await waitForPort(port, 60_000)) || !(await pgReady(port, 60_000))) return failed(dir, `PostgreSQL did not get ready on port ${port} within 60 s`, guard.stop);
  const server: Postgres & { stop(): Promise<void> } = {
    stop: async () => {
      await guard.stop();
      removeDir(dir);
    },
    port,
    user: 'clinic',
    password,
    sql: (database, sql) =>
      run('psql', ['--no-psqlrc', '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port), '-U', 'clinic', '-d', database], {
        env: { PGPASSWORD: password },
        input: sql,
      }).trim(),
  };
  return { ok: true, server };
}

// ---------------------------------------------------------------------------------------------- MariaDB

export interface Mariadb {
  readonly port: number;
  /** Runs SQL as root over the server's socket; returns tab-separated rows without headers. */
  sql(sql: string, database?: string): string;
  /** Loads a dump file into `database` as root. */
  load(file: string, database: string): void;
}

export async function startMariadb(): Promise<Started<Mariadb>> {
  const daemon = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'].find((p) => existsSync(p));
  if (!daemon || !existsSync('/usr/bin/mariadb-install-db') || !existsSync('/usr/bin/mariadb')) {
    return { ok: false, reason: 'MariaDB server not installed (Debian: apt-get install mariadb-server)' };
  }
  const isRoot = process.getuid?.() === 0;
  const userArg = isRoot ? ['--user=root'] : [];
  const dir = makeDir('cb-maria-');
  const data = path.join(dir, 'data');
  const sock = path.join(dir, 'sock');
  const port = await freePort();
  try {
    run('/usr/bin/mariadb-install-db', ['--no-defaults', ...userArg, `--datadir=${data}`, '--auth-root-authentication-method=socket', '--skip-test-db']);
  } catch (err) {
    return failed(dir, `mariadb-install-db failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const guard = guarded(
    daemon,
    [
      '--no-defaults',
      ...userArg,
      `--datadir=${data}`,
      `--socket=${sock}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--pid-file=${path.join(dir, 'pid')}`,
      `--log-error=${path.join(dir, 'error.log')}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
    ],
    { signal: 'TERM' },
  );
  if (!(await waitForPort(port, 60_000))) return failed(dir, `mariadbd did not listen on port ${port} within 60 s`, guard.stop);
  const client = (args: string[], input: string): string => run('/usr/bin/mariadb', ['--no-defaults', '-S', sock, '-uroot', '--batch', '--skip-column-names', ...args], { input });
  return {
    ok: true,
    server: {
      port,
      stop: async () => {
        await guard.stop();
        removeDir(dir);
      },
      sql: (sql, database) => client(database ? [database] : [], sql).trim(),
      load: (file, database) => {
        run('/bin/sh', ['-c', `/usr/bin/mariadb --no-defaults -S "${sock}" -uroot "${database}" < "${file}"`]);
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------- Firebird

export interface Firebird {
  readonly port: number;
  readonly password: string;
  /** Where databases go (the server runs as this process's user). */
  readonly dataDir: string;
  /** Connection string of a database in dataDir. */
  url(file: string): string;
  /** Runs isql-fb as SYSDBA (SQL on stdin); returns its output. */
  isql(sql: string, database?: string): string;
  /** Environment for gbak/isql clients (credentials and this server's configuration). */
  readonly env: NodeJS.ProcessEnv;
}

export async function startFirebird(): Promise<Started<Firebird>> {
  const home = '/usr/lib/x86_64-linux-gnu/firebird/3.0';
  const security = '/var/lib/firebird/3.0/system/security3.fdb';
  const serverBin = '/usr/sbin/firebird';
  for (const p of [home, security, serverBin, '/usr/bin/isql-fb', '/usr/bin/gbak']) {
    if (!existsSync(p)) return { ok: false, reason: `Firebird 3 not installed (missing ${p}; Debian: apt-get install firebird3.0-server)` };
  }
  const root = makeDir('cb-fb-');
  for (const d of ['lock', 'tmp', 'data']) mkdirSync(path.join(root, d));
  for (const x of ['UDF', 'firebird.msg', 'intl', 'lib', 'plugins']) symlinkSync(path.join(home, x), path.join(root, x));
  cpSync('/etc/firebird/3.0/plugins.conf', path.join(root, 'plugins.conf'));
  cpSync(security, path.join(root, 'security3.fdb'));
  const port = await freePort();
  writeFileSync(path.join(root, 'databases.conf'), `security.db = ${root}/security3.fdb\n{\n\tRemoteAccess = false\n}\n`);
  // SecurityDatabase names our copy: otherwise every embedded connection (the isql below, gbak) also opens the system's
  // security3.fdb, and two servers started at once (tests run in parallel) would lock it from two engine instances.
  writeFileSync(path.join(root, 'firebird.conf'), `RemoteServicePort = ${port}\nRemoteBindAddress = 127.0.0.1\nUdfAccess = None\nSecurityDatabase = ${root}/security3.fdb\n`);
  const password = 'Fb-S3nha"x';
  const serverEnv = { FIREBIRD: root, FIREBIRD_LOCK: path.join(root, 'lock'), FIREBIRD_TMP: path.join(root, 'tmp') };
  try {
    // The embedded engine sets SYSDBA's password in our copy of the security database.
    run('/usr/bin/isql-fb', ['-q', '-user', 'SYSDBA', path.join(root, 'security3.fdb')], {
      env: serverEnv,
      input: `create or alter user SYSDBA password '${password.replace(/'/g, "''")}' using plugin Srp; commit;\n`,
    });
  } catch (err) {
    return failed(root, `could not set up Firebird's security database: ${err instanceof Error ? err.message : String(err)}`);
  }
  const guard = guarded(serverBin, [], { env: serverEnv, signal: 'TERM' });
  if (!(await waitForPort(port, 30_000))) return failed(root, `the Firebird server did not listen on port ${port} within 30 s`, guard.stop);
  const env = { ...serverEnv, ISC_USER: 'SYSDBA', ISC_PASSWORD: password };
  const url = (file: string): string => `127.0.0.1/${port}:${path.join(root, 'data', file)}`;
  return {
    ok: true,
    server: {
      port,
      password,
      stop: async () => {
        await guard.stop();
        removeDir(root);
      },
      dataDir: path.join(root, 'data'),
      url,
      env,
      isql: (sql, database) => run('/usr/bin/isql-fb', ['-q', '-ch', 'UTF8', ...(database ? [url(database)] : [])], { env, input: sql }),
    },
  };
}

/**
 * A throw-away PostgreSQL with a database "clinica" filled by `seed` (SQL), for the tests of a clinic's database
 * source; when PostgreSQL cannot start, the reason (printed once, for the skipped tests to name).
 */
export async function startClinicPostgres(seed: string): Promise<Started<Postgres>> {
  const started = announceSkip('PostgreSQL', await startPostgres());
  if (!started.ok) return started;
  started.server.sql('postgres', 'create database clinica;');
  started.server.sql('clinica', seed);
  return started;
}

/** Prints why a server's tests are skipped, once, and passes the result on. */
function announceSkip<T>(name: string, started: Started<T>): Started<T> {
  if (!started.ok) console.log(`# ${name} tests skipped: ${started.reason}`);
  return started;
}

// ---------------------------------------------------------------------------------------------- clinic data sets

/** A MySQL string literal (backslashes and quotes escaped). */
const mysqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** How big the clinic's practice database is, and whether it has a stored routine (mysqldump must carry it). */
export interface ClinicSize {
  readonly patients: number;
  readonly visits: number;
  /** Bytes of each patient's photo (a blob column). */
  readonly photoBytes: number;
  readonly routine?: boolean;
}

/**
 * The clinic's practice database on MariaDB: database "clinica" with patients (accented names, a blob photo), visits
 * with a foreign key, a view, optionally a stored routine, and a "backup" user with only what mysqldump needs.
 */
export function mariadbClinicSeed(backupPassword: string, size: ClinicSize): string {
  const md5Repeats = Math.max(1, Math.round(size.photoBytes / 16));
  return `
create database clinica character set utf8mb4;
create user 'backup'@'127.0.0.1' identified by ${mysqlString(backupPassword)};
grant select, show view, trigger, event, lock tables on clinica.* to 'backup'@'127.0.0.1';
-- Dumping routines needs to read their definitions (MariaDB: mysql.proc; MySQL 8: the SHOW_ROUTINE privilege).
grant select on mysql.proc to 'backup'@'127.0.0.1';
use clinica;
create table pacientes (id int primary key auto_increment, nome varchar(200) not null, nascimento date, foto blob) engine=innodb;
create table consultas (id int primary key auto_increment, paciente int not null, quando datetime not null, nota text,
  foreign key (paciente) references pacientes(id)) engine=innodb;
insert into pacientes (nome, nascimento, foto)
  select concat('Paciente ', seq, ' Conceição Ávila'), date_add('1940-01-01', interval seq day), unhex(repeat(md5(seq), ${md5Repeats})) from seq_1_to_${size.patients};
insert into consultas (paciente, quando, nota)
  select 1 + (seq * 7919) % ${size.patients}, date_add('2024-01-01 08:00', interval seq * 17 minute), repeat('evolução estável; ', 1 + seq % 8) from seq_1_to_${size.visits};
create view ultimas as select paciente, max(quando) as quando from consultas group by paciente;
${size.routine ? 'create procedure conta_consultas(in p int) select count(*) from consultas where paciente = p;' : ''}
`;
}

/** Counts and checksums of every table, the view and the routines of mariadbClinicSeed's database (run in it). */
export const MARIADB_CLINIC_CHECKSUM = `
set session group_concat_max_len = 1073741824;
select 'pacientes', count(*), md5(group_concat(concat_ws('|', id, nome, nascimento, hex(foto)) order by id)) from pacientes;
select 'consultas', count(*), md5(group_concat(concat_ws('|', id, paciente, quando, nota) order by id)) from consultas;
select 'ultimas', count(*), md5(group_concat(concat_ws('|', paciente, quando) order by paciente)) from ultimas;
select 'rotinas', count(*) from information_schema.routines where routine_schema = database();
`;

/** A throw-away MariaDB holding mariadbClinicSeed's database, or the reason it cannot run here (printed once). */
export async function startClinicMariadb(backupPassword: string, size: ClinicSize): Promise<Started<Mariadb>> {
  const started = announceSkip('MariaDB', await startMariadb());
  if (started.ok) started.server.sql(mariadbClinicSeed(backupPassword, size));
  return started;
}

/** The clinic's practice database on Firebird 3: clinica.fdb with patients (accented names, a binary blob) and visits. */
function firebirdClinicSeed(url: string, password: string, size: Omit<ClinicSize, 'visits' | 'routine'>): string {
  return `
create database '${url}' user 'SYSDBA' password '${password.replace(/'/g, "''")}' default character set UTF8;
create table pacientes (id integer not null primary key, nome varchar(200) not null, nascimento date, foto blob sub_type binary);
create table consultas (id integer not null primary key, paciente integer not null references pacientes(id), nota varchar(2000));
commit;
set term ^ ;
execute block as
  declare i integer = 1;
begin
  while (i <= ${size.patients}) do
  begin
    insert into pacientes values (:i, 'Paciente ' || :i || ' Conceição Ávila', dateadd(:i day to date '1940-01-01'), lpad('', ${size.photoBytes}, 'x' || :i));
    insert into consultas values (:i, :i, lpad('', mod(:i, 200) + 10, 'evolução estável; '));
    i = i + 1;
  end
end^
set term ; ^
commit;
`;
}

/** Counts and checksums of firebirdClinicSeed's tables (isql, `set list on`). */
export const FIREBIRD_CLINIC_CHECKSUM = `
set list on;
select count(*) as pacientes, sum(mod(hash(id || '|' || nome || '|' || nascimento || '|' || octet_length(foto) || '|' || hash(foto)), 1000000007)) as h1 from pacientes;
select count(*) as consultas, sum(mod(hash(id || '|' || paciente || '|' || nota), 1000000007)) as h2 from consultas;
`;

/** A throw-away Firebird server holding firebirdClinicSeed's clinica.fdb, or the reason it cannot run here (printed once). */
export async function startClinicFirebird(size: Omit<ClinicSize, 'visits' | 'routine'>): Promise<Started<Firebird>> {
  const started = announceSkip('Firebird', await startFirebird());
  if (started.ok) started.server.isql(firebirdClinicSeed(started.server.url('clinica.fdb'), started.server.password, size));
  return started;
}
