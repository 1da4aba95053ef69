/**
 * Database dumps as streams: `openDump` gives the dump's metadata and its bytes for the archiver (chunk, store;
 * one file entry in the snapshot), `testDump` runs it into a counting sink for the setup's "test the dump" button.
 */
import { t, toErrorInfo, type Locale } from '../../i18n/index.js';
import { EngineError, type Result } from '../../shared/index.js';
import { commandOutput } from './command.js';
import { dumpFileName, firebirdDumpSpec, mysqlDumpSpec, mysqlOptionFile, postgresDumpSpec } from './presets.js';
import { privateTemp } from './privateTemp.js';
import { sqliteDump } from './sqlite.js';
import { findTool, TOOLS, type ToolName } from './tools.js';
import type { DbCredentials, DbSource, Dump, DumpMeta } from './types.js';

export interface DumpOptions {
  readonly signal?: AbortSignal;
}

/** The line a program prints about its version (`pg_dump (PostgreSQL) 15.14`, `gbak:gbak version LI-V3.0.11…`). */
async function toolVersion(tool: ToolName, executable: string, signal?: AbortSignal): Promise<string> {
  // gbak has no plain --version: -z prints the version, then complains about missing files and exits 1.
  const args = tool === 'gbak' ? ['-z'] : ['--version'];
  let text = '';
  try {
    for await (const b of commandOutput({ tool, executable, args }, { signal })) if (text.length < 4096) text += b.toString('utf8');
  } catch (err) {
    if (!(tool === 'gbak' && err instanceof EngineError && err.code === 'DUMP_FAILED')) throw err;
  }
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const line = lines.find((l) => /version|\d+\.\d+/i.test(l)) ?? lines[0] ?? tool;
  return line.replace(/^gbak:/, '');
}

/** Counts bytes and refuses an empty dump: a dump of nothing is a mistake (a wrong database), never a success. */
async function* nonEmpty(stream: AsyncIterable<Buffer>, tool: string): AsyncGenerator<Buffer> {
  let bytes = 0;
  for await (const b of stream) {
    bytes += b.length;
    yield b;
  }
  if (bytes === 0) throw new EngineError('DUMP_EMPTY', { tool });
}

function serverLabel(name: string, database: string, host: string | undefined, port: number | undefined): string {
  return `${name} ${database}${host !== undefined ? ` on ${host}${port !== undefined ? `:${port}` : ''}` : ''}`;
}

/**
 * Starts nothing yet: checks the settings and the program (DUMP_TOOL_MISSING now, not mid-backup), reads its
 * version, and returns the metadata and a one-pass stream that runs the dump when read. The stream throws at its end
 * if the dump failed (DUMP_FAILED with the program's scrubbed error output, DUMP_EMPTY, CANCELLED).
 */
export async function openDump(source: DbSource, creds: DbCredentials, options: DumpOptions = {}): Promise<Dump> {
  const { signal } = options;
  if (source.kind === 'sqlite') {
    const dump = await sqliteDump(source, signal);
    return { meta: dump.meta, stream: nonEmpty(dump.stream, 'sqlite') };
  }
  if (source.kind === 'postgres') {
    const exe = findTool('pg_dump', source.toolDir);
    const spec = postgresDumpSpec(source, creds, exe);
    const meta: DumpMeta = {
      kind: 'postgres',
      fileName: dumpFileName('postgres', source.database),
      tool: 'pg_dump',
      toolVersion: await toolVersion('pg_dump', exe, signal),
      label: serverLabel('PostgreSQL', source.database, source.host, source.port),
    };
    return { meta, stream: nonEmpty(commandOutput(spec, { signal }), TOOLS.pg_dump.name) };
  }
  if (source.kind === 'mysql') {
    const exe = findTool('mysqldump', source.toolDir);
    mysqlDumpSpec(source, creds, exe, 'check-only'); // validates the settings before anything runs
    const meta: DumpMeta = {
      kind: 'mysql',
      fileName: dumpFileName('mysql', source.database),
      tool: 'mysqldump',
      toolVersion: await toolVersion('mysqldump', exe, signal),
      label: serverLabel('MySQL/MariaDB', source.database, source.host, source.port),
    };
    const src = source;
    async function* stream(): AsyncGenerator<Buffer> {
      const temp = await privateTemp();
      try {
        const optionFile = await temp.file('client.cnf', mysqlOptionFile(creds));
        yield* commandOutput(mysqlDumpSpec(src, creds, exe, optionFile), { signal });
      } finally {
        await temp.dispose();
      }
    }
    return { meta, stream: nonEmpty(stream(), TOOLS.mysqldump.name) };
  }
  const exe = findTool('gbak', source.toolDir);
  const spec = firebirdDumpSpec(source, creds, exe);
  const meta: DumpMeta = {
    kind: 'firebird',
    fileName: dumpFileName('firebird', source.database),
    tool: 'gbak',
    toolVersion: await toolVersion('gbak', exe, signal),
    label: serverLabel('Firebird', source.database, source.host, source.port),
  };
  return { meta, stream: nonEmpty(commandOutput(spec, { signal }), TOOLS.gbak.name) };
}

export interface DumpTestReport {
  readonly meta: DumpMeta;
  readonly bytes: number;
  readonly seconds: number;
}

export interface TestDumpOptions extends DumpOptions {
  readonly locale?: Locale;
  /** Called with the bytes so far, at most every `progressEveryBytes` (default 8 MiB). */
  readonly onProgress?: (bytes: number) => void;
  readonly progressEveryBytes?: number;
}

/**
 * "Test the dump": runs the whole dump into a counting sink (nothing stored) and reports its size and time, or the
 * error as data with the user's text (secrets already scrubbed).
 */
export async function testDump(source: DbSource, creds: DbCredentials, options: TestDumpOptions = {}): Promise<Result<DumpTestReport>> {
  const started = process.hrtime.bigint();
  try {
    const dump = await openDump(source, creds, options);
    let bytes = 0;
    let reported = 0;
    const every = options.progressEveryBytes ?? 8 * 1024 * 1024;
    for await (const b of dump.stream) {
      bytes += b.length;
      if (options.onProgress && bytes - reported >= every) {
        reported = bytes;
        options.onProgress(bytes);
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { ok: true, value: { meta: dump.meta, bytes, seconds } };
  } catch (err) {
    return { ok: false, error: toErrorInfo(err, options.locale) };
  }
}

function megabytes(bytes: number, locale?: Locale): string {
  return new Intl.NumberFormat(locale ?? 'pt-BR', { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(bytes / 1e6);
}

/** The user's text for a test's progress (`onProgress` bytes). */
export function dumpTestProgressText(bytes: number, locale?: Locale): string {
  return t('source.db.test.progress', { megabytes: megabytes(bytes, locale) }, locale);
}

/** The user's text for a successful test. */
export function dumpTestText(report: DumpTestReport, locale?: Locale): string {
  const seconds = new Intl.NumberFormat(locale ?? 'pt-BR', { maximumFractionDigits: 1 }).format(report.seconds);
  return t('source.db.test.ok', { megabytes: megabytes(report.bytes, locale), seconds, tool: report.meta.toolVersion }, locale);
}
