/**
 * Helpers for the "FHIR in the wild" tests (issue 14): comparing a source with a target that gave resources
 * new ids (through the restore's old → new map), reading that map from its file, and checking that every
 * attachment link on a target opens a Binary with the expected bytes. The test's own code, independent of
 * the restorer's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { SandboxServer, SeededDocument } from '../../src/sandbox/index.js';

/** The old "Type/id" → target "Type/id" map a restore kept in its file (later lines win). */
export async function readIdMap(file: string | null | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!file) return out;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line) continue;
    const v = JSON.parse(line) as { k?: string; n?: string | null };
    if (typeof v.k !== 'string') continue;
    if (typeof v.n === 'string') out.set(v.k, v.n);
    else out.delete(v.k);
  }
  return out;
}

const ATTACHMENT_KEYS = new Set(['contentType', 'url', 'size', 'hash', 'title', 'creation', 'language', 'data']);

/**
 * A resource for comparison: server-managed meta and the id taken out, references mapped through `map`,
 * attachment URLs replaced by a marker (they are checked on their own by `assertAttachmentsOpen`).
 */
export function comparable(value: unknown, map: ReadonlyMap<string, string>): unknown {
  const walk = (v: unknown, top: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, false));
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Record<string, unknown>;
    const attachment = typeof o['url'] === 'string' && Object.keys(o).every((k) => ATTACHMENT_KEYS.has(k)) && 'contentType' in o;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (top && (k === 'id' || k === 'meta')) continue;
      if (k === 'reference' && typeof x === 'string') out[k] = map.get(x) ?? x;
      else if (attachment && k === 'url') out[k] = '<attachment>';
      else out[k] = walk(x, false);
    }
    return out;
  };
  return walk(value, true);
}

/** Every source resource is on the target under its mapped id, equal but for ids, meta and attachment URLs. */
export function assertMappedCopy(source: SandboxServer, target: SandboxServer, map: ReadonlyMap<string, string>, skipTypes: readonly string[] = []): void {
  let n = 0;
  const seen = new Set<string>();
  for (const r of source.store.all()) {
    if (skipTypes.includes(r.type)) continue;
    const key = `${r.type}/${r.id}`;
    const to = map.get(key) ?? key;
    assert.ok(!seen.has(to), `${to} holds two source resources`);
    seen.add(to);
    const text = target.store.get(to.slice(0, to.indexOf('/')), to.slice(to.indexOf('/') + 1));
    assert.ok(text, `${key} is on the target as ${to}`);
    assert.deepEqual(comparable(JSON.parse(text), map), comparable(JSON.parse(r.text), map), `${key} → ${to}`);
    n++;
  }
  const extra = [...target.store.all()].filter((r) => !seen.has(`${r.type}/${r.id}`) && !skipTypes.includes(r.type) && r.type !== 'Binary');
  assert.deepEqual(
    extra.map((r) => `${r.type}/${r.id}`),
    [],
    'nothing else on the target (no duplicates)',
  );
  assert.ok(n > 0);
}

/** SHA-256 of a Binary's data on a sandbox. */
export function binarySha(server: SandboxServer, key: string): string | null {
  const [type, id] = key.split('/') as [string, string];
  const text = server.store.get(type, id);
  if (!text) return null;
  const data = (JSON.parse(text) as { data?: string }).data;
  return typeof data === 'string' ? createHash('sha256').update(Buffer.from(data, 'base64')).digest('hex') : null;
}

/** Every seeded document's owner on the target links (by attachment URL) to a Binary there with the same bytes. */
export function assertAttachmentsOpen(target: SandboxServer, documents: readonly SeededDocument[], map: ReadonlyMap<string, string>): void {
  assert.ok(documents.length > 0);
  for (const d of documents) {
    const owner = map.get(d.owner) ?? d.owner;
    const text = target.store.get(owner.slice(0, owner.indexOf('/')), owner.slice(owner.indexOf('/') + 1));
    assert.ok(text, `${owner} on the target`);
    const urls: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        if (typeof o['url'] === 'string' && 'contentType' in o) urls.push(o['url']);
        Object.values(o).forEach(walk);
      }
    };
    walk(JSON.parse(text));
    const shas = urls.map((u) => {
      const m = /(?:^|\/)(Binary\/[A-Za-z0-9\-.]+)$/.exec(u);
      assert.ok(m, `${owner}: link ${u} names a Binary`);
      if (/^https?:/.test(u)) assert.ok(u.startsWith(`${target.url}/`), `${owner}: absolute link ${u} points at the target`);
      return binarySha(target, m[1] as string);
    });
    assert.ok(shas.includes(d.sha256), `${owner}: a link opens the document's bytes (${d.sha256.slice(0, 8)})`);
  }
}
