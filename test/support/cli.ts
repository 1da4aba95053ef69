import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The CLI from the TypeScript sources (what most tests run, so they test the code as it is being changed). */
export const CLI = path.join(ROOT, 'scripts', 'clinic-backup-dev.mjs');
/** The CLI as it ships: bin/clinic-backup.js over the compiled dist/ (test/dist/ runs it). */
export const SHIPPED_CLI = path.join(ROOT, 'bin', 'clinic-backup.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program in a child process, collecting its output; killed after `timeoutMs`. */
export function runProcess(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the real CLI in a child process. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000, cwd = ROOT): Promise<CliResult> {
  return runProcess(process.execPath, ['--experimental-websocket', CLI, ...args], {
    cwd,
    env: { ...process.env, CLINIC_BACKUP_LANG: 'en', CLINIC_BACKUP_STATE_DIR: path.join(os.tmpdir(), `cb-state-${process.pid}`), ...env },
    timeoutMs,
  });
}
