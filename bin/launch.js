// Starts clinic-backup from a code tree: the compiled JavaScript in dist/ (bin/clinic-backup.js, what ships) or the
// TypeScript sources (scripts/clinic-backup-dev.mjs, for development and most tests). Both behave the same.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import module from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The command line's front end: `serve` is the local web mode, everything else the command-line front end. */
function entryFor(args) {
  return args[0] === 'serve' ? { file: 'serve/cli', argv: args.slice(1) } : { file: 'cli/main', argv: args };
}

/**
 * Commands that run long and move a lot of data through several threads (the host and the worker pool): on Linux
 * they run with glibc's MALLOC_ARENA_MAX=2. glibc gives each thread its own malloc arena (up to 8 per core) and keeps
 * the memory freed in each; two arenas keep a 1 GB backup's peak resident memory about 40 MB lower for the same CPU
 * time (docs/benchmarks.md). glibc reads the variable only when the process starts, so the launcher starts the
 * command again, once, with it set. Quick commands (snapshots, status, init, …) skip that and keep their start-up time.
 */
const LONG_RUNNING = new Set(['backup', 'restore', 'check', 'run-scheduler', 'serve', 'drill']);
export const ARENA_MAX = '2';
/**
 * Options that make a long-running command a small one, which keeps its start-up time instead: one patient's record
 * (a few hundred resources, read from a few frames) or only the plan of a restore. Starting again would cost a second
 * Node.js start (~50 ms wall, ~80 ms of CPU) against the 0.5 s target of a one-patient restore (docs/benchmarks.md).
 */
const SMALL_RUNS = { restore: ['--patient', '--plan'] };
/**
 * V8 options of the relaunched command: a smaller young generation for the host thread. The host only routes data
 * (downloads, batches, results of the worker pool), and V8 grows its young generation to 2 × 16 MB under that
 * allocation rate although little of it lives; 4 MB semi-spaces keep a 2 GB FHIR backup over HTTP at 252 MB peak
 * resident memory instead of 299–314, for the same CPU time (docs/benchmarks.md). The workers set their own limits
 * (src/pool/pool.ts). A value the user gave (node --max-semi-space-size=…) is kept.
 */
export function relaunchNodeOptions(execArgv) {
  return execArgv.some((a) => a.startsWith('--max-semi-space-size')) ? [...execArgv] : [...execArgv, '--max-semi-space-size=4'];
}
/** Set for the relaunched command: the descriptor of a pipe from the launcher, whose end means the launcher is gone. */
const WATCH_FD_ENV = 'CLINIC_BACKUP_LAUNCHER_FD';

/**
 * True when this command line should run again with MALLOC_ARENA_MAX set: on Linux, when the variable is not set
 * (a value the user chose is kept, and is how to opt out), for a long-running command (any word before `--`, so
 * options may come first; a stray match costs only one start-up), and not for --help, --version or a small run of
 * it (SMALL_RUNS: `restore --patient`, `restore --plan`).
 */
export function wantsArenaLimit(args, env, platform) {
  if (platform !== 'linux' || env.MALLOC_ARENA_MAX !== undefined || env[WATCH_FD_ENV] !== undefined) return false;
  const end = args.indexOf('--');
  const words = end < 0 ? args : args.slice(0, end);
  if (words.some((a) => a === '--help' || a === '-h' || a === '--version')) return false;
  const command = words.find((a) => LONG_RUNNING.has(a));
  if (command === undefined) return false;
  const small = SMALL_RUNS[command] ?? [];
  return !words.some((a) => small.some((option) => a === option || a.startsWith(`${option}=`)));
}

/**
 * True when this process is in the foreground process group of its terminal: Ctrl+C (SIGINT), Ctrl+\ (SIGQUIT) and
 * a hang-up reach the whole group, so the relaunched command already has them (a second SIGINT would force it to quit).
 */
function inTerminalForeground() {
  try {
    // /proc/self/stat: "pid (comm) state ppid pgrp session tty_nr tpgid …"; comm may hold spaces, so after its ')'.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pgrp = Number(fields[2]);
    const tpgid = Number(fields[5]);
    return tpgid > 0 && tpgid === pgrp;
  } catch {
    return false;
  }
}

/**
 * Runs this command line again in a child process with MALLOC_ARENA_MAX set (and relaunchNodeOptions) and waits for it: the child shares
 * standard input, output and error; signals sent to this process alone (a service manager's SIGTERM, a test's
 * SIGINT) are passed on; the child's exit code, or the signal that ended it, becomes this process's. The child ends
 * at once (SIGKILL) when this process dies without passing a signal on (kill -9), so no backup runs on unowned.
 * Resolves with the exit code, or null when the child could not be started (the command then runs here).
 */
function relaunch(args) {
  return new Promise((resolve) => {
    const scriptArgs = [...relaunchNodeOptions(process.execArgv), process.argv[1], ...args];
    const child = spawn(process.execPath, scriptArgs, {
      stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
      env: { ...process.env, MALLOC_ARENA_MAX: ARENA_MAX, [WATCH_FD_ENV]: '3' },
    });
    const forward = {
      SIGINT: 'terminal',
      SIGQUIT: 'terminal',
      SIGHUP: 'terminal',
      SIGTERM: 'always',
      SIGUSR2: 'always',
    };
    const handlers = new Map();
    for (const [signal, when] of Object.entries(forward)) {
      const handler = () => {
        if (when === 'always' || !inTerminalForeground()) child.kill(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
    const stopForwarding = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.on('error', () => {
      stopForwarding();
      resolve(null);
    });
    child.on('exit', (code, signal) => {
      stopForwarding();
      if (signal) {
        // Ends the same way, so a shell or a service manager sees what ended the command.
        process.kill(process.pid, signal);
        return;
      }
      resolve(code ?? 1);
    });
  });
}

/** In a relaunched command: end at once when the launcher is gone (its pipe closes), as a kill -9 of it meant. */
function watchLauncher(env) {
  const fd = Number(env[WATCH_FD_ENV]);
  delete env[WATCH_FD_ENV];
  if (!Number.isInteger(fd) || fd < 3) return;
  try {
    const pipe = new net.Socket({ fd, readable: true, writable: false });
    const gone = () => process.kill(process.pid, 'SIGKILL');
    pipe.on('end', gone);
    pipe.on('error', gone);
    pipe.resume();
    pipe.unref();
  } catch {
    // Not a pipe (started by hand with the variable set): nothing to watch.
  }
}

/** Said when dist/ was never built: the i18n catalogue is part of what is missing, so the sentence lives here. */
function notBuilt(root) {
  const lang = [process.env.CLINIC_BACKUP_LANG, process.env.LC_ALL, process.env.LANG].find(Boolean) ?? '';
  return lang.toLowerCase().startsWith('en')
    ? `clinic-backup is not built yet: run "npm run build" in ${root} (npm run demo and npm test build it too).`
    : `O clinic-backup ainda não foi compilado: rode "npm run build" em ${root} (npm run demo e npm test também compilam).`;
}

/** The package's root folder (bin/ is in it). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs the command line with the code under `codeDir` (dist/src or src, relative to the root), whose files end in
 * `ext`. Sets process.exitCode to the command's exit code.
 */
export async function launch(codeDir, ext) {
  if (process.env[WATCH_FD_ENV] !== undefined) watchLauncher(process.env);
  else if (wantsArenaLimit(process.argv.slice(2), process.env, process.platform)) {
    if (process.env.CLINIC_BACKUP_DEBUG) process.stderr.write(`[debug] starting the command again with MALLOC_ARENA_MAX=${ARENA_MAX}\n`);
    const code = await relaunch(process.argv.slice(2));
    if (code !== null) {
      process.exitCode = code;
      return;
    }
  }
  // Node.js 22 keeps the compiled code of loaded modules on disk (a cache in the temp folder, checked against each
  // file's contents): every start after the first skips most of the parsing. Older Node.js has no such cache.
  if (ext === '.js' && typeof module.enableCompileCache === 'function') module.enableCompileCache();
  // A closed pipe (e.g. `clinic-backup snapshots | head`) ends the output quietly, not with a crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  // Warnings of third-party libraries (deprecations, version notices) are not for the clinic: they are dropped, or
  // shown on standard error with CLINIC_BACKUP_DEBUG=1. The product's own problems are errors with codes.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (process.env.CLINIC_BACKUP_DEBUG) process.stderr.write(`[debug] ${warning.name}: ${warning.message}\n`);
  });
  const { file, argv } = entryFor(process.argv.slice(2));
  const entry = path.join(ROOT, codeDir, `${file}${ext}`);
  if (!existsSync(entry)) {
    process.stderr.write(notBuilt(ROOT) + '\n');
    process.exitCode = 1;
    return;
  }
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(argv);
}
