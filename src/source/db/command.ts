/**
 * Runs a database client program and streams its standard output, like `restic backup --stdin-from-command`:
 * no temporary file, back-pressure from the consumer to the program (the pipe fills, the program waits).
 *
 * - Passwords reach the program only through its environment or an owner-only option file (the presets decide),
 *   never its arguments; the values are also scrubbed from anything the program printed before it reaches an error.
 * - A program that exits with a code other than 0, or is killed by a signal, fails the stream at its end with its
 *   (bounded, scrubbed) standard error in a stable code: a dump is never silently cut short.
 * - A missing program is DUMP_TOOL_MISSING with the package to install.
 * - Cancel (AbortSignal) or a consumer that stops early ends the program (SIGTERM, then SIGKILL after a grace time).
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../shared/index.js';
import { missingTool, TOOLS, type ToolName } from './tools.js';

export interface CommandSpec {
  readonly tool: ToolName;
  readonly executable: string;
  /** Never secrets: they would show in the process list. */
  readonly args: readonly string[];
  /** Added to this process's environment for the child: where passwords go. */
  readonly env?: Readonly<Record<string, string>>;
  /** Values scrubbed from the program's output before it reaches an error message. */
  readonly secrets?: readonly string[];
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Fed to the program's standard input (restores). */
  readonly stdin?: AsyncIterable<Uint8Array>;
  /** Error code when the program fails. Default DUMP_FAILED. */
  readonly failure?: 'DUMP_FAILED' | 'DB_RESTORE_FAILED';
  /** Time between SIGTERM and SIGKILL when stopping the program. Default 5 s. */
  readonly killGraceMs?: number;
}

/** Bytes of standard error kept (the end: where programs say what went wrong). */
const STDERR_KEEP = 16 * 1024;
/** Characters of standard error put in an error message. */
const STDERR_SHOWN = 2000;

/** Keeps the last STDERR_KEEP bytes of a stream. */
class TailBuffer {
  private parts: Buffer[] = [];
  private bytes = 0;
  truncated = false;

  push(b: Buffer): void {
    this.parts.push(b);
    this.bytes += b.length;
    while (this.bytes - (this.parts[0]?.length ?? 0) >= STDERR_KEEP) {
      this.bytes -= this.parts.shift()!.length;
      this.truncated = true;
    }
  }

  text(): string {
    let buf = Buffer.concat(this.parts);
    if (buf.length > STDERR_KEEP) {
      buf = buf.subarray(buf.length - STDERR_KEEP);
      this.truncated = true;
    }
    return buf.toString('utf8');
  }
}

/** Characters dropped from the start of cut output: a secret cut in two must not leave a readable piece. */
const CUT_MARGIN = 1024;

/** Drops the start of text that was cut: up to the first line break if it is near, else CUT_MARGIN characters. */
function dropCutStart(text: string): string {
  const nl = text.indexOf('\n');
  return nl >= 0 && nl < CUT_MARGIN ? text.slice(nl + 1) : text.slice(CUT_MARGIN);
}

/**
 * Program output made safe for an error message: the known secret values (and their URL-encoded form) replaced,
 * then credentials in URLs and `password=…`-style settings; at most STDERR_SHOWN characters from the end, and when
 * cut, the cut start dropped. Words like "password authentication failed" stay: they say what is wrong.
 */
export function scrubOutput(text: string, secrets: readonly string[], truncated = false): string {
  let out = text.replace(/\r\n?/g, '\n');
  if (truncated) out = dropCutStart(out);
  for (const s of secrets) {
    if (s.length === 0) continue;
    out = out.split(s).join('***');
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join('***');
  }
  out = out
    .replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1***:***@')
    .replace(/\b(password|passwd|pwd|secret|token)(\s*[=:]\s*)(?!\s)("[^"]*"|'[^']*'|[^\s"',;]+)/gi, '$1$2***')
    .replace(/\b(bearer|basic)(\s+)[A-Za-z0-9+/=._~-]{8,}/gi, '$1$2***')
    .trim();
  if (out.length > STDERR_SHOWN) out = `…${dropCutStart(out.slice(out.length - STDERR_SHOWN))}`;
  return out;
}

/** A child process exit that is a failure, as a stable error. */
function failureError(spec: CommandSpec, failure: RunOptions['failure'], code: number | null, signal: NodeJS.Signals | null, stderr: string): EngineError {
  return new EngineError(failure ?? 'DUMP_FAILED', {
    tool: TOOLS[spec.tool].name,
    exitCode: code,
    signal,
    stderr: stderr.length > 0 ? stderr : '—',
  });
}

/**
 * The program's standard output as a stream. Ends normally only if the program exited with 0; otherwise throws
 * (after the last bytes) DUMP_FAILED / DB_RESTORE_FAILED, DUMP_TOOL_MISSING or CANCELLED.
 */
export async function* commandOutput(spec: CommandSpec, options: RunOptions = {}): AsyncGenerator<Buffer> {
  if (options.signal?.aborted) throw new EngineError('CANCELLED');
  const child = spawn(spec.executable, [...spec.args], {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...spec.env },
    windowsHide: true,
  });
  let spawnError: Error | undefined;
  let exited = false;
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    exited = true;
  });
  const stderr = new TailBuffer();
  child.stderr?.on('data', (d: Buffer) => stderr.push(d));

  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (exited || child.pid === undefined) return;
    child.kill('SIGTERM');
    killTimer ??= setTimeout(() => {
      if (!exited) child.kill('SIGKILL');
    }, options.killGraceMs ?? 5000);
    killTimer.unref();
  };
  const onAbort = (): void => stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  // Standard input: the consumer's error (a failing repository read) is remembered apart from the broken pipe a
  // program that exits early causes.
  let inputError: unknown;
  let feeding: Promise<void> = Promise.resolve();
  if (options.stdin && child.stdin) {
    const source = options.stdin;
    async function* guarded(): AsyncGenerator<Uint8Array> {
      try {
        for await (const b of source) yield b;
      } catch (err) {
        inputError = err;
        throw err;
      }
    }
    // A failed feed is handled: an error of the input stops the program (and is reported by `guarded`); a
    // program that exits before reading all its input (EPIPE) is judged by its exit status below.
    feeding = pipeline(Readable.from(guarded()), child.stdin).catch(() => {
      if (inputError !== undefined) stop();
    });
  }

  let finished = false;
  try {
    if (child.stdout) for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk;
    const { code, signal } = await closed;
    await feeding;
    finished = true;
    if (options.signal?.aborted) throw new EngineError('CANCELLED');
    if (inputError !== undefined) throw inputError;
    if (spawnError !== undefined && child.pid === undefined) {
      if ((spawnError as NodeJS.ErrnoException).code === 'ENOENT') throw missingTool(spec.tool);
      throw failureError(spec, options.failure, null, null, scrubOutput(spawnError.message, spec.secrets ?? []));
    }
    if (code !== 0 || signal !== null) throw failureError(spec, options.failure, code, signal, scrubOutput(stderr.text(), spec.secrets ?? [], stderr.truncated));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!finished) {
      stop();
      await closed;
      await feeding;
    }
    if (killTimer) clearTimeout(killTimer);
  }
}

/** Runs a program to its end and returns its standard output as text (small outputs: queries, versions). */
export async function runCommand(spec: CommandSpec, options: RunOptions = {}, maxBytes = 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const b of commandOutput(spec, options)) {
    if (bytes < maxBytes) parts.push(b);
    bytes += b.length;
  }
  return Buffer.concat(parts).subarray(0, maxBytes).toString('utf8');
}
