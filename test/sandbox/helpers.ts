import assert from 'node:assert/strict';
import { after } from 'node:test';
import { startSandbox, type SandboxOptions, type SandboxServer } from '../../src/sandbox/server.js';

/** A sandbox closed after the current test file. */
export async function sandbox(opts: SandboxOptions = {}): Promise<SandboxServer> {
  const s = await startSandbox(opts);
  after(() => s.close());
  return s;
}

export type Json = Record<string, unknown>;

export function obj(v: unknown): Json {
  assert.equal(typeof v, 'object');
  assert.notEqual(v, null);
  return v as Json;
}

export function arr(v: unknown): unknown[] {
  assert.ok(Array.isArray(v), 'expected an array');
  return v;
}

export async function getJson(url: string, init: RequestInit = {}): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, text, headers: res.headers, body: text.length > 0 ? obj(JSON.parse(text)) : {} };
}

export function nextLink(bundle: Json): string | undefined {
  const links = arr(bundle['link'] ?? []);
  const next = links.map(obj).find((l) => l['relation'] === 'next');
  return next ? String(next['url']) : undefined;
}

/** Follows next links (bounded) and returns every entry. */
export async function allPages(url: string, init: RequestInit = {}, maxPages = 10_000): Promise<{ entries: Json[]; pages: number; total: unknown }> {
  const entries: Json[] = [];
  let next: string | undefined = url;
  let pages = 0;
  let total: unknown;
  while (next !== undefined) {
    assert.ok(pages < maxPages, 'too many pages');
    const r = await getJson(next, init);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    if (pages === 0) total = r.body['total'];
    for (const e of arr(r.body['entry'] ?? [])) entries.push(obj(e));
    next = nextLink(r.body);
    pages++;
  }
  return { entries, pages, total };
}

/** The raw text of entry[i].resource values inside a Bundle text (they are spliced verbatim by the sandbox). */
export function rawResourcesOf(bundleText: string, ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of ids) {
    const start = bundleText.indexOf(`"resource":{"resourceType":`, bundleText.indexOf(`/${id}"`));
    if (start < 0) continue;
    const from = start + '"resource":'.length;
    let depth = 0;
    let inStr = false;
    for (let i = from; i < bundleText.length; i++) {
      const c = bundleText[i];
      if (inStr) {
        if (c === '\\') i++;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          out.set(id, bundleText.slice(from, i + 1));
          break;
        }
      }
    }
  }
  return out;
}

export interface ExportResult {
  manifest: Json;
  polls: number;
  files: { type: string; url: string; count: number; text: string }[];
  deleted: string[];
}

/** Kick-off → poll (until 200, bounded) → download every file. */
export async function runExport(kickoffUrl: string, init: { headers?: Record<string, string>; method?: string; body?: string } = {}, maxPolls = 50): Promise<ExportResult> {
  const headers = { Accept: 'application/fhir+json', Prefer: 'respond-async', ...(init.headers ?? {}) };
  const k = await fetch(kickoffUrl, { method: init.method ?? 'GET', headers, ...(init.body ? { body: init.body } : {}) });
  assert.equal(k.status, 202, await k.text());
  const status = k.headers.get('content-location');
  assert.ok(status);
  let polls = 0;
  for (;;) {
    assert.ok(polls < maxPolls, 'export never completed');
    polls++;
    const r = await fetch(status, { headers: init.headers ?? {} });
    if (r.status === 202) {
      assert.ok(r.headers.get('retry-after') !== null);
      assert.ok(r.headers.get('x-progress') !== null);
      await r.arrayBuffer();
      continue;
    }
    assert.equal(r.status, 200);
    const manifest = obj(await r.json());
    const files: ExportResult['files'] = [];
    for (const o of arr(manifest['output']).map(obj)) {
      const f = await fetch(String(o['url']), { headers: init.headers ?? {} });
      assert.equal(f.status, 200);
      assert.equal(f.headers.get('content-type'), 'application/fhir+ndjson');
      files.push({ type: String(o['type']), url: String(o['url']), count: Number(o['count']), text: await f.text() });
    }
    const deleted: string[] = [];
    for (const o of arr(manifest['deleted'] ?? []).map(obj)) {
      assert.equal(o['type'], 'Bundle');
      const f = await fetch(String(o['url']), { headers: init.headers ?? {} });
      assert.equal(f.status, 200);
      for (const line of (await f.text()).split('\n').filter((l) => l.length > 0)) {
        const b = obj(JSON.parse(line));
        assert.equal(b['resourceType'], 'Bundle');
        assert.equal(b['type'], 'transaction');
        for (const e of arr(b['entry']).map(obj)) {
          const req = obj(e['request']);
          assert.equal(req['method'], 'DELETE');
          deleted.push(String(req['url']));
        }
      }
    }
    return { manifest, polls, files, deleted };
  }
}

export function linesOf(files: ExportResult['files']): string[] {
  return files.flatMap((f) => f.text.split('\n').filter((l) => l.length > 0));
}
