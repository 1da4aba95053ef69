/** Set-up for the drill tests: a repository made from a real sandbox over HTTP, copies to drill, port probes. */
import assert from 'node:assert/strict';
import { mkdir, readdir, stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { backupFhir } from '../../src/archiver/fhirBackup.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import type { Backend } from '../../src/backend/types.js';
import type { DrillCandidate, DrillInput } from '../../src/drills/index.js';
import { restoreOrder, TIER_TYPES } from '../../src/policy/tiers.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { newRepo, reopen } from '../support/repo.js';

/** A repository holding one full backup of the sandbox; its backend is closed (drills open their own). */
export async function repoFromSandbox(dir: string, source: SandboxServer): Promise<{ root: string; snapshotId: string }> {
  await mkdir(dir, { recursive: true });
  const { repo, root } = await newRepo(dir);
  const r = await backupFhir(repo, { baseUrl: source.url, auth: { kind: 'none' } });
  assert.equal(r.manifest.totals.resources, source.store.count(), 'the backup holds every resource of the sandbox');
  await repo.backend.close();
  return { root, snapshotId: r.snapshotId };
}

/** A copy of the repository for runDrill: opened fresh each time, closed at the end of the drill. */
export function copyAt(label: string, root: string, wrap?: (b: Backend) => Backend): DrillCandidate {
  return {
    label,
    open: async () => {
      if (!wrap) return reopen(root);
      const inner = await LocalBackend.open(root);
      try {
        return await reopen(root, wrap(inner));
      } catch (err) {
        await inner.close();
        throw err;
      }
    },
    close: (repo: Repository) => repo.backend.close(),
  };
}

/** Drill input with the product's tier order. */
export function drillInput(candidates: DrillCandidate[], extra: Partial<DrillInput> = {}): DrillInput {
  return { candidates, orderTypes: (types) => restoreOrder(types), criticalTypes: TIER_TYPES.critical, ...extra };
}

/** True when nothing accepts a TCP connection on 127.0.0.1:port. */
export function portRefuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    const done = (refused: boolean): void => {
      s.destroy();
      resolve(refused);
    };
    s.setTimeout(2000, () => done(false));
    s.once('connect', () => done(false));
    s.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'));
  });
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Every file under a folder (relative paths). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** Total bytes of the files under a folder. */
export async function sizeOf(dir: string): Promise<number> {
  let n = 0;
  for (const f of await filesUnder(dir)) n += (await stat(path.join(dir, f))).size;
  return n;
}

/** References of the form Type/id (optionally /_history/v) in a resource, as Type/id: the test's own parser. */
export function relativeRefs(resource: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (k === 'reference' && typeof x === 'string') {
          const m = /^([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+)(\/_history\/.+)?$/.exec(x);
          if (m) out.push(m[1] as string);
        } else walk(x);
      }
    }
  };
  walk(resource);
  return out;
}
