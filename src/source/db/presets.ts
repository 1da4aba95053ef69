/**
 * The dump command of each database kind: program, arguments (never a password), environment (where the password
 * goes) and the file name the dump gets in the snapshot. Pure functions over the source settings, so what reaches
 * argv is tested without running anything.
 *
 * - PostgreSQL: `pg_dump --format=custom --compress=0`: the custom format restores with pg_restore (one table, a new
 *   database); uncompressed because the repository compresses (zstd) and an uncompressed dump deduplicates from one
 *   day to the next (compressed, one changed row rewrites the rest of its table). Password: PGPASSWORD.
 * - MySQL/MariaDB: `mysqldump --single-transaction` (a consistent InnoDB snapshot without locking the clinic out),
 *   with routines, events and triggers, binary columns in hex. Password: an owner-only option file
 *   (`--defaults-extra-file`), which MySQL 8 prefers to MYSQL_PWD.
 * - Firebird: `gbak -b … stdout`. User and password: ISC_USER and ISC_PASSWORD.
 */
import { EngineError } from '../../shared/index.js';
import type { CommandSpec } from './command.js';
import type { DbCredentials, FirebirdSource, MysqlSource, PostgresSource } from './types.js';

function invalid(field: string, reason: string): never {
  throw new EngineError('INVALID_ARGUMENT', { field, reason });
}

function checkCommon(host: string | undefined, port: number | undefined, user: string, database: string): void {
  if (host !== undefined && (host.trim() === '' || /[\s\0]/.test(host) || host.startsWith('-'))) invalid('host', 'a host name or address, without spaces');
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) invalid('port', 'a number from 1 to 65535');
  if (user.trim() === '' || user.includes('\0') || user.startsWith('-')) invalid('user', 'a user name');
  if (database.trim() === '' || database.includes('\0') || database.startsWith('-')) invalid('database', 'a database name');
}

/** PostgreSQL: a name, never a connection string (which could carry a password into argv). */
function checkPostgres(src: PostgresSource): void {
  checkCommon(src.host, src.port, src.user, src.database);
  if (src.database.includes('=') || /^postgres(ql)?:\/\//i.test(src.database)) invalid('database', 'the database name only, not a connection string');
}

function postgresEnv(creds: DbCredentials): Record<string, string> {
  return {
    ...(creds.password !== undefined ? { PGPASSWORD: creds.password } : {}),
    PGCONNECT_TIMEOUT: '15',
    PGAPPNAME: 'clinic-backup',
  };
}

function secretsOf(creds: DbCredentials): string[] {
  return creds.password !== undefined && creds.password.length > 0 ? [creds.password] : [];
}

/** Connection options shared by the PostgreSQL programs. `--no-password`: never wait for a prompt. */
export function postgresConnection(src: PostgresSource): string[] {
  checkPostgres(src);
  return [`--host=${src.host}`, ...(src.port !== undefined ? [`--port=${src.port}`] : []), `--username=${src.user}`, '--no-password'];
}

export function postgresDumpSpec(src: PostgresSource, creds: DbCredentials, executable: string): CommandSpec {
  return {
    tool: 'pg_dump',
    executable,
    args: ['--format=custom', '--compress=0', ...postgresConnection(src), `--dbname=${src.database}`],
    env: postgresEnv(creds),
    secrets: secretsOf(creds),
  };
}

/** A PostgreSQL program other than pg_dump, with the same connection and password handling. */
export function postgresSpec(tool: 'pg_restore' | 'psql' | 'createdb' | 'dropdb', src: PostgresSource, creds: DbCredentials, executable: string, args: readonly string[]): CommandSpec {
  return { tool, executable, args: [...postgresConnection(src), ...args], env: postgresEnv(creds), secrets: secretsOf(creds) };
}

/** MySQL option-file text holding the password (the file is created 0600 and removed after the dump). */
export function mysqlOptionFile(creds: DbCredentials): string {
  const pw = (creds.password ?? '').replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  return `[client]\npassword="${pw}"\n`;
}

export function mysqlDumpSpec(src: MysqlSource, creds: DbCredentials, executable: string, optionFile: string): CommandSpec {
  checkCommon(src.host, src.port, src.user, src.database);
  return {
    tool: 'mysqldump',
    executable,
    args: [
      // Must come first: mysqldump reads option files before anything else.
      `--defaults-extra-file=${optionFile}`,
      '--single-transaction',
      '--quick',
      '--routines',
      '--events',
      '--triggers',
      '--hex-blob',
      '--no-tablespaces',
      '--default-character-set=utf8mb4',
      `--host=${src.host}`,
      ...(src.port !== undefined ? [`--port=${src.port}`] : []),
      `--user=${src.user}`,
      src.database,
    ],
    env: {},
    secrets: secretsOf(creds),
  };
}

/** Firebird's connection string: `host/port:database` for a server, the path alone for the embedded engine. */
export function firebirdConnection(src: FirebirdSource): string {
  checkCommon(src.host, src.port, src.user, src.database);
  if (src.host === undefined) return src.database;
  return `${src.host}${src.port !== undefined ? `/${src.port}` : ''}:${src.database}`;
}

export function firebirdDumpSpec(src: FirebirdSource, creds: DbCredentials, executable: string): CommandSpec {
  return {
    tool: 'gbak',
    executable,
    args: ['-b', firebirdConnection(src), 'stdout'],
    env: { ISC_USER: src.user, ...(creds.password !== undefined ? { ISC_PASSWORD: creds.password } : {}) },
    secrets: secretsOf(creds),
  };
}

/** The file name a dump gets in the snapshot: the database's own name with the dump's usual extension. */
export function dumpFileName(kind: 'postgres' | 'mysql' | 'firebird', database: string): string {
  const base = database.replace(/^.*[\\/]/, '').replace(/\.(fdb|gdb)$/i, '') || kind;
  const safe = base.replace(/[\0/\\]/g, '_');
  const ext = kind === 'postgres' ? 'pgdump' : kind === 'mysql' ? 'sql' : 'fbk';
  return `${safe}.${ext}`;
}
