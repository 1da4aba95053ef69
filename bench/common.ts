/** Helpers the benchmark scripts share (sizes, files, tools on PATH, the machine description). */
import { existsSync, readFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$/i.exec(text);
  if (!m) throw new Error(`--size: cannot read "${text}" (examples: 100MB, 1GB, 512MiB)`);
  const unit = (m[2] ?? '').toLowerCase().replace(/b$/, '');
  const pow: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40 };
  const mult = pow[unit];
  if (mult === undefined) throw new Error(`--size: unknown unit in "${text}"`);
  const bytes = Math.round(Number(m[1]) * mult);
  if (!(bytes > 0)) throw new Error(`--size must be positive ("${text}")`);
  return bytes;
}

export function truthy(v: string | undefined): boolean {
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(p);
    else if (entry.isFile()) total += (await lstat(p)).size;
  }
  return total;
}

export async function ndjsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((n) => n.endsWith('.ndjson'))
    .sort()
    .map((n) => path.join(dir, n));
}

export function which(cmd: string): string | null {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(path.delimiter)) {
    const p = path.join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

export function machine(versions: string[]): string[] {
  const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? '?';
  const osRelease = existsSync('/etc/os-release') ? (/^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '') : '';
  return [
    `- date: ${new Date().toISOString()}`,
    `- CPU: ${model}, nproc ${os.availableParallelism()}`,
    `- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${osRelease || os.type()} (kernel ${os.release()})`,
    `- node ${process.version}`,
    ...versions.map((v) => `- ${v}`),
  ];
}
