// Helpers for the doctor tests: run the doctor in a child process (as another user, in another
// environment, inside a private keyring), and small real HTTP servers that are not the sandbox.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after } from 'node:test';
import { ROOT } from '../support/cli.js';
import type { DoctorCheck, DoctorInput, DoctorReport } from '../../src/doctor/types.js';

const FIXTURE = path.join(ROOT, 'test', 'doctor', 'fixtures', 'runDoctor.ts');

export interface ChildOptions {
  readonly uid?: number;
  readonly gid?: number;
  /** The whole environment of the child (PATH and HOME are added). */
  readonly env?: NodeJS.ProcessEnv;
  /** Run inside scripts/with-keyring.sh (a private, unlocked Secret Service). */
  readonly keyring?: boolean;
  readonly timeoutMs?: number;
}

export function runDoctorInChild(input: DoctorInput, options: ChildOptions = {}): Promise<DoctorReport> {
  const node = [process.execPath, '--import', 'tsx', FIXTURE, JSON.stringify(input)];
  const [cmd, ...args] = options.keyring ? ['sh', path.join(ROOT, 'scripts', 'with-keyring.sh'), ...node] : node;
  const env = options.env ? { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/tmp', ...options.env } : process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`doctor child exited ${code}: ${err.slice(0, 2000)}`));
      try {
        resolve(JSON.parse(out) as DoctorReport);
      } catch {
        reject(new Error(`doctor child printed no report: ${out.slice(0, 500)} ${err.slice(0, 1000)}`));
      }
    });
  });
}

/** True when the tools of scripts/with-keyring.sh are installed. */
export function keyringToolsAvailable(): boolean {
  return ['dbus-run-session', 'dbus-send', 'gnome-keyring-daemon'].every((t) => (process.env['PATH'] ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, t))));
}

export function only(report: DoctorReport, id: DoctorCheck['id'], subject?: string): DoctorCheck {
  const found = report.checks.filter((c) => c.id === id && (subject === undefined || c.subject === subject));
  if (found.length !== 1) throw new Error(`expected one ${id} check, found ${found.length}`);
  return found[0]!;
}

export interface TinyServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with a handler (closed after the test file). */
export async function tinyServer(handler: (url: string, res: ServerResponse) => void): Promise<TinyServer> {
  const server: Server = createServer((req, res) => handler(req.url ?? '/', res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  let closed = false;
  const close = (): Promise<void> => {
    if (closed) return Promise.resolve();
    closed = true;
    server.closeAllConnections();
    return new Promise((r) => server.close(() => r()));
  };
  after(close);
  return { url: `http://127.0.0.1:${port}`, port, close };
}

/**
 * A minimal FHIR R4 server without $export (like many clinic systems): /metadata lists Patient with
 * search-type and history-system; Patient?_count=1 answers an empty searchset.
 */
export async function fhirWithoutExport(options: { sendDate?: boolean } = {}): Promise<TinyServer> {
  return tinyServer((url, res) => {
    if (options.sendDate === false) res.sendDate = false;
    if (url.startsWith('/fhir/metadata')) {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(
        JSON.stringify({
          resourceType: 'CapabilityStatement',
          fhirVersion: '4.0.1',
          software: { name: 'Tiny EHR', version: '1.2' },
          rest: [{ mode: 'server', resource: [{ type: 'Patient', interaction: [{ code: 'read' }, { code: 'search-type' }] }], interaction: [{ code: 'history-system' }] }],
        }),
      );
      return;
    }
    if (url.startsWith('/fhir/Patient')) {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] }));
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found');
  });
}
