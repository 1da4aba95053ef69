/**
 * Database sources: the public surface the archiver, restorer, drills and engine import.
 * - openDump: a dump's metadata and its byte stream (no temporary file, except SQLite's owner-only copy);
 * - testDump: the setup's "test the dump" (size and time, or the error as data);
 * - restores: a dump as its file, SQLite as a checked new file, PostgreSQL into a new database.
 */
export { commandOutput, runCommand, scrubOutput, type CommandSpec, type RunOptions } from './command.js';
export { dumpTestProgressText, dumpTestText, openDump, testDump, type DumpOptions, type DumpTestReport, type TestDumpOptions } from './dump.js';
export { dumpFailureCause } from './dumpCause.js';
export { dumpFileName, firebirdDumpSpec, mysqlDumpSpec, mysqlOptionFile, postgresDumpSpec, postgresSpec } from './presets.js';
export { checkSqliteFile, loadHint, restoreDumpFile, restorePostgresToNewDatabase, restoreSqliteFile, type PostgresRestoreOptions, type RestoreFileOptions } from './restore.js';
export { findTool, TOOLS, type ToolInfo, type ToolName } from './tools.js';
export { DB_KINDS, type DbCredentials, type DbKind, type DbSource, type Dump, type DumpMeta, type FirebirdSource, type MysqlSource, type PostgresSource, type SqliteSource } from './types.js';
