import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { arr, obj, sandbox } from './helpers.js';

describe('sandbox at scale', () => {
  // Timings of loading and paging are measured by the benchmarks (bench/), not asserted here: on a loaded 2-core
  // machine a wall-clock bound only makes the suite flaky. This test keeps what must hold: scale and streaming.
  it('loads 100k+ resources and streams the export without buffering it', async () => {
    const s = await sandbox({ patients: 1250, seed: 3, maxResourcesPerFile: 20_000 });
    const total = s.store.count();
    assert.ok(total >= 100_000, `loaded ${total}`);

    // digest of the store, per line
    const storeHash = createHash('sha256');
    let storeBytes = 0;
    const keys: string[] = [];
    for (const r of s.store.all()) keys.push(`${r.type}/${r.id}`);
    keys.sort();
    const byKey = new Map<string, string>();
    for (const k of keys) {
      const [type, id] = k.split('/') as [string, string];
      const text = s.store.get(type, id) as string;
      byKey.set(k, createHash('sha256').update(text).digest('base64'));
      storeBytes += Buffer.byteLength(text) + 1;
    }
    storeHash.update(keys.join('\n'));

    const k = await fetch(`${s.url}/$export`, { headers: { Prefer: 'respond-async' } });
    const status = k.headers.get('content-location') ?? '';
    const manifest = obj(await (await fetch(status)).json());
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    let bytes = 0;
    let lines = 0;
    const seen = new Set<string>();
    for (const o of arr(manifest['output']).map(obj)) {
      const res = await fetch(String(o['url']));
      const reader = res.body?.getReader();
      assert.ok(reader);
      let rest = '';
      const dec = new TextDecoder();
      for (let i = 0; i < 10_000_000; i++) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        const parts = (rest + dec.decode(value, { stream: true })).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts) {
          const m = /^\{"resourceType":"([A-Za-z]+)","id":"([^"]+)"/.exec(line);
          assert.ok(m);
          const key = `${m[1]}/${m[2]}`;
          assert.equal(createHash('sha256').update(line).digest('base64'), byKey.get(key), key);
          seen.add(key);
          lines++;
        }
        peak = Math.max(peak, process.memoryUsage().rss);
      }
      assert.equal(rest, '');
    }
    assert.equal(lines, total);
    assert.equal(seen.size, total);
    assert.equal(bytes, storeBytes);
    const growth = (peak - rss0) / 1024 / 1024;
    assert.ok(growth < 0.5 * (storeBytes / 1024 / 1024) + 50, `rss grew ${growth.toFixed(0)} MB while exporting ${(storeBytes / 1024 / 1024).toFixed(0)} MB`);

    // search paging through a big type stays fast
    let next: string | undefined = `${s.url}/Observation?_count=1000`;
    let n = 0;
    for (let i = 0; next && i < 1000; i++) {
      const b = obj(await (await fetch(next)).json());
      n += arr(b['entry'] ?? []).length;
      const l = arr(b['link'])
        .map(obj)
        .find((x) => x['relation'] === 'next');
      next = l ? String(l['url']) : undefined;
    }
    assert.equal(n, s.store.count('Observation'));
  });
});
