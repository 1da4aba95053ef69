/** Database sources: what the user configures, what a dump is. */

export type DbKind = 'postgres' | 'mysql' | 'firebird' | 'sqlite';
export const DB_KINDS: readonly DbKind[] = ['postgres', 'mysql', 'firebird', 'sqlite'];

/** A database server reached over the network (or a local socket). */
interface ServerSource {
  /** Host name or address; PostgreSQL also takes a socket folder (starts with `/`). */
  readonly host: string;
  readonly port?: number;
  readonly user: string;
  readonly database: string;
  /** Name of the password in the secret store; the caller reads it and passes the value (DbCredentials). */
  readonly passwordSecret?: string;
  /** Folder holding the client programs, when they are not on PATH (the clinic's own install). */
  readonly toolDir?: string;
}

export interface PostgresSource extends ServerSource {
  readonly kind: 'postgres';
}

export interface MysqlSource extends ServerSource {
  readonly kind: 'mysql';
}

export interface FirebirdSource {
  readonly kind: 'firebird';
  /** Server host; omit to open the database file directly (embedded engine, same machine). */
  readonly host?: string;
  readonly port?: number;
  readonly user: string;
  /** Path of the .fdb on the server, or its alias in the server's databases.conf. */
  readonly database: string;
  readonly passwordSecret?: string;
  readonly toolDir?: string;
}

export interface SqliteSource {
  readonly kind: 'sqlite';
  /** The database file. */
  readonly path: string;
  /** Where the owner-only temporary copy goes (default: the OS temp folder). Needs room for one copy. */
  readonly tempDir?: string;
}

export type DbSource = PostgresSource | MysqlSource | FirebirdSource | SqliteSource;

/** Secret values for one source, read from the secret store by the caller. Never logged, never in argv. */
export interface DbCredentials {
  readonly password?: string;
}

/** What the snapshot records about a dump (the dump is one file entry in the source's tree). */
export interface DumpMeta {
  readonly kind: DbKind;
  /** The file entry's name, e.g. `clinica.pgdump`, `clinica.sql`, `clinica.fbk`, `clinica.db`. */
  readonly fileName: string;
  /** The program that wrote it (`pg_dump`, `mysqldump`, `gbak`, `sqlite`) and its version line. */
  readonly tool: string;
  readonly toolVersion: string;
  /** For people: `PostgreSQL clinica on 127.0.0.1:5432`. Never credentials. */
  readonly label: string;
}

/** A dump in progress: its metadata and its bytes (one pass; fails at the end if the dump failed). */
export interface Dump {
  readonly meta: DumpMeta;
  readonly stream: AsyncIterable<Buffer>;
}
