/** Shared set-up for the restore tests: real sandboxes over HTTP, real repositories, content comparison. */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after } from 'node:test';
import { createEngine, type Engine } from '../../src/index.js';
import type { Repository } from '../../src/repository/repository.js';
import { sameContent } from '../../src/restorer/fhirTarget.js';
import { startSandbox, type SandboxOptions, type SandboxServer } from '../../src/sandbox/index.js';
import { newRepo, reopen, writePasswordFile } from '../support/repo.js';

/** A sandbox closed after the current test file. Default: empty (no patients, no Group), like a new server. */
export async function sandbox(opts: SandboxOptions = { patients: 0, createGroup: false }): Promise<SandboxServer> {
  const s = await startSandbox(opts);
  after(() => s.close());
  return s;
}

export interface TestRepo {
  readonly root: string;
  readonly passwordFile: string;
  readonly stateDir: string;
  /** A new Engine on the repository (closed after the test file). */
  engine(): Engine;
  /** The repository opened directly (cheap scrypt), for looking at packs. */
  open(): Promise<Repository>;
}

/** A repository with cheap scrypt (test/support/repo.ts) and the Engine's password file and state folder. */
export async function testRepo(dir: string, params: Parameters<typeof newRepo>[1] = {}): Promise<TestRepo> {
  await mkdir(dir, { recursive: true });
  const { root, backend } = await newRepo(dir, params);
  await backend.close();
  const passwordFile = await writePasswordFile(dir);
  const stateDir = path.join(dir, 'state');
  return {
    root,
    passwordFile,
    stateDir,
    engine() {
      const e = createEngine({ repo: root, passwordFile, stateDir });
      after(() => e.close());
      return e;
    },
    async open() {
      const repo = await reopen(root);
      after(() => repo.backend.close());
      return repo;
    },
  };
}

/** A resource's text with the server-assigned meta.versionId and meta.lastUpdated taken out (all else kept byte for byte). */
export function stripServerMeta(text: string): string {
  return text.replace(/"meta":\{"versionId":"[^"]*","lastUpdated":"[^"]*",?/, '"meta":{');
}

export interface StoredResource {
  readonly type: string;
  readonly id: string;
  readonly text: string;
}

/** Every live resource of a sandbox, keyed Type/id. */
export function snapshotOf(server: SandboxServer): Map<string, StoredResource> {
  const out = new Map<string, StoredResource>();
  for (const r of server.store.all()) out.set(`${r.type}/${r.id}`, r);
  return out;
}

/**
 * The target holds exactly the expected resources, each equal to the source ignoring server-assigned meta:
 * textually (decimals such as 36.50 and every other byte kept) and by sameContent (the product's check).
 */
export function assertSameResources(expected: ReadonlyMap<string, StoredResource>, target: SandboxServer): void {
  const actual = snapshotOf(target);
  const missing = [...expected.keys()].filter((k) => !actual.has(k));
  const extra = [...actual.keys()].filter((k) => !expected.has(k));
  assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10) }, { missing: [], extra: [] }, `missing ${missing.length}, extra ${extra.length}`);
  let different = 0;
  let first = '';
  for (const [key, want] of expected) {
    const got = actual.get(key) as StoredResource;
    const same = stripServerMeta(got.text) === stripServerMeta(want.text) && sameContent(Buffer.from(want.text), JSON.parse(got.text));
    if (!same) {
      different++;
      first ||= `${key}\n  source: ${want.text.slice(0, 300)}\n  target: ${got.text.slice(0, 300)}`;
    }
  }
  assert.equal(different, 0, `${different} resources differ, e.g. ${first}`);
}

/** Resources of the source whose text includes a decimal like 36.50 (changed by a JSON parse/serialise). */
export function withTrailingZeroDecimal(resources: ReadonlyMap<string, StoredResource>): StoredResource[] {
  return [...resources.values()].filter((r) => /"value":\d+\.\d*0[,}]/.test(r.text));
}

/** A plain HTTP server on 127.0.0.1 answering every request with `reply`; counts the requests. */
export async function plainServer(reply: (req: http.IncomingMessage) => { status: number; type: string; body: string }): Promise<{ url: string; requests: { method: string; url: string }[] }> {
  const requests: { method: string; url: string }[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    req.resume();
    req.on('end', () => {
      const r = reply(req);
      res.writeHead(r.status, { 'Content-Type': r.type });
      res.end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, requests };
}
