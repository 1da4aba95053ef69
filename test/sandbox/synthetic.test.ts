import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { generateResources, mutateNdjsonDataset, patientOf, writeNdjsonDataset, SYNTHETIC_TYPES, CPF_SYSTEM, type SyntheticResource } from '../../src/sandbox/synthetic.js';
import { tempDir } from '../support/tmp.js';

function asRecord(v: unknown): Record<string, unknown> {
  assert.equal(typeof v, 'object');
  assert.notEqual(v, null);
  return v as Record<string, unknown>;
}

/** Every "reference" string anywhere inside a value. */
function references(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) references(x, out);
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'reference' && typeof x === 'string') out.push(x);
      else references(x, out);
    }
  }
  return out;
}

async function readLines(file: string): Promise<string[]> {
  return (await readFile(file, 'utf8')).split('\n').filter((l) => l.length > 0);
}

describe('synthetic generator', () => {
  it('is deterministic: same seed gives identical bytes, another seed differs', () => {
    const hash = (seed: number): string => {
      const h = createHash('sha256');
      for (const r of generateResources({ patients: 5, seed })) h.update(r.line).update('\n');
      return h.digest('hex');
    };
    assert.equal(hash(42), hash(42));
    assert.notEqual(hash(42), hash(43));
    // the first patients do not depend on the total
    const a = [...generateResources({ patients: 2, seed: 9 })].map((r) => r.line);
    const b = [...generateResources({ patients: 4, seed: 9 })].map((r) => r.line).slice(0, a.length);
    assert.deepEqual(a, b);
  });

  it('emits parseable one-line resources with meta, per-patient counts and sizes in range, resolvable references', () => {
    const all: SyntheticResource[] = [...generateResources({ patients: 12, seed: 3, startDate: '2024-01-01' })];
    const keys = new Set(all.map((r) => `${r.type}/${r.id}`));
    assert.equal(keys.size, all.length, 'ids unique');
    const perPatient = new Map<string, Record<string, number>>();
    let sawTrailingZero = false;
    let sawExponent = false;
    let sawPresentedForm = false;
    let sawCpf = false;
    for (const r of all) {
      assert.ok(!r.line.includes('\n'));
      const o = asRecord(JSON.parse(r.line));
      assert.equal(o['resourceType'], r.type);
      assert.equal(o['id'], r.id);
      assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const meta = asRecord(o['meta']);
      assert.equal(meta['versionId'], '1');
      assert.ok(!Number.isNaN(Date.parse(String(meta['lastUpdated']))));
      assert.ok((SYNTHETIC_TYPES as readonly string[]).includes(r.type));
      assert.equal(patientOf(o), r.patientId);
      for (const ref of references(o)) assert.ok(keys.has(ref), `${r.type}/${r.id} → ${ref} resolves`);
      const c = perPatient.get(r.patientId ?? '') ?? {};
      c[r.type] = (c[r.type] ?? 0) + 1;
      perPatient.set(r.patientId ?? '', c);
      const size = Buffer.byteLength(r.line);
      if (r.type === 'Patient') {
        assert.ok(size >= 2000 && size <= 4096, `Patient size ${size}`);
        if (r.line.includes(CPF_SYSTEM)) sawCpf = true;
      }
      if (r.type === 'Observation') {
        assert.ok(size >= 800 && size <= 1600, `Observation size ${size}`);
        const m = /"valueQuantity":\{"value":([^,]+),/.exec(r.line);
        assert.ok(m?.[1]);
        if (/\.\d*0$/.test(m[1]) && String(Number(m[1])) !== m[1]) sawTrailingZero = true;
        if (/e/.test(m[1])) sawExponent = true;
      }
      if (r.type === 'DiagnosticReport') {
        const results = o['result'];
        assert.ok(Array.isArray(results) && results.length > 0);
        if (r.line.includes('"presentedForm"')) {
          sawPresentedForm = true;
          assert.ok(size > 2000);
        }
      }
    }
    assert.ok(sawTrailingZero && sawExponent && sawPresentedForm && sawCpf);
    assert.ok(
      all.some((r) => r.line.includes('"value":36.50,')),
      'contains the decimal text 36.50',
    );
    assert.equal(perPatient.size, 12);
    const within = (n: number | undefined, lo: number, hi: number): boolean => (n ?? 0) >= lo && (n ?? 0) <= hi;
    for (const c of perPatient.values()) {
      assert.equal(c['Patient'], 1);
      assert.ok(within(c['Encounter'], 5, 15));
      assert.ok(within(c['Observation'], 20, 80));
      assert.ok(within(c['Condition'], 2, 6));
      assert.ok(within(c['MedicationRequest'], 2, 8));
      assert.ok(within(c['AllergyIntolerance'], 0, 3));
      assert.ok(within(c['Procedure'], 1, 5));
      assert.ok(within(c['Immunization'], 2, 8));
      assert.ok(within(c['DiagnosticReport'], 1, 6));
    }
  });

  it('patientOf follows the Patient compartment', () => {
    assert.equal(patientOf({ resourceType: 'Patient', id: 'p1' }), 'p1');
    assert.equal(patientOf({ resourceType: 'Observation', id: 'o', subject: { reference: 'Patient/p2' } }), 'p2');
    assert.equal(patientOf({ resourceType: 'Immunization', id: 'i', patient: { reference: 'http://x/fhir/Patient/p3/_history/2' } }), 'p3');
    assert.equal(patientOf({ resourceType: 'Procedure', id: 'x', performer: [{ actor: { reference: 'Patient/p4' } }] }), 'p4');
    assert.equal(patientOf({ resourceType: 'Observation', id: 'o', subject: { reference: 'Group/g' } }), null);
    assert.equal(patientOf({ resourceType: 'Organization', id: 'o' }), null);
    assert.equal(patientOf('nope'), null);
  });
});

describe('NDJSON datasets', () => {
  it('writes one file per type, byte-identical to the generator, with counts and bytes', async () => {
    const dir = await tempDir();
    const info = await writeNdjsonDataset(dir, { patients: 3, seed: 5 });
    const expected = [...generateResources({ patients: 3, seed: 5 })];
    assert.equal(info.resources, expected.length);
    assert.deepEqual((await readdir(dir)).sort(), info.files.map((f) => path.basename(f)).sort());
    let bytes = 0;
    for (const file of info.files) {
      const type = path.basename(file, '.ndjson');
      const lines = await readLines(file);
      assert.deepEqual(
        lines,
        expected.filter((r) => r.type === type).map((r) => r.line),
      );
      assert.equal(info.counts[type], lines.length);
      bytes += (await stat(file)).size;
    }
    assert.equal(info.bytes, bytes);
  });

  it('honours targetBytes within 10%', async () => {
    const dir = await tempDir();
    const target = 3 * 1024 * 1024;
    const info = await writeNdjsonDataset(dir, { patients: 1, seed: 2, targetBytes: target });
    assert.ok(info.bytes >= target * 0.9 && info.bytes <= target * 1.1, `bytes ${info.bytes}`);
    assert.ok((info.counts['Patient'] ?? 0) > 1);
  });

  it('mutates about `fraction` of the lines, scattered over every file, and nothing else', async () => {
    const dir = await tempDir();
    const info = await writeNdjsonDataset(dir, { patients: 20, seed: 11 });
    const before = new Map<string, string>();
    for (const f of info.files) for (const l of await readLines(f)) before.set(JSON.stringify([JSON.parse(l).resourceType, JSON.parse(l).id]), l);
    const { changed } = await mutateNdjsonDataset(dir, { fraction: 0.05, seed: 4 });
    const expected = info.resources * 0.05;
    assert.ok(Math.abs(changed.length - expected) <= info.files.length, `changed ${changed.length} ≈ ${expected}`);
    assert.equal(new Set(changed).size, changed.length);
    const changedSet = new Set(changed);
    const typesChanged = new Set(changed.map((k) => k.split('/')[0]));
    assert.equal(typesChanged.size, info.files.length, 'every file has changes');
    let diff = 0;
    let total = 0;
    for (const f of info.files) {
      for (const l of await readLines(f)) {
        total++;
        const o = asRecord(JSON.parse(l));
        const key = `${String(o['resourceType'])}/${String(o['id'])}`;
        const old = before.get(JSON.stringify([o['resourceType'], o['id']]));
        assert.ok(old !== undefined);
        if (changedSet.has(key)) {
          diff++;
          assert.notEqual(l, old);
          const meta = asRecord(o['meta']);
          const oldMeta = asRecord(asRecord(JSON.parse(old))['meta']);
          assert.equal(meta['versionId'], '2');
          assert.ok(Date.parse(String(meta['lastUpdated'])) > Date.parse(String(oldMeta['lastUpdated'])));
          // something beyond meta changed too
          const strip = (s: string): string => s.replace(/"meta":\{[^}]*\}/, '');
          assert.notEqual(strip(l), strip(old));
        } else {
          assert.equal(l, old);
        }
      }
    }
    assert.equal(total, info.resources);
    assert.equal(diff, changed.length);
    // the same seed changes the same resources
    const dir2 = await tempDir();
    await writeNdjsonDataset(dir2, { patients: 20, seed: 11 });
    assert.deepEqual((await mutateNdjsonDataset(dir2, { fraction: 0.05, seed: 4 })).changed, changed);
  });

  it('keeps memory bounded writing and mutating a ~50 MB dataset', async () => {
    const dir = await tempDir();
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const info = await writeNdjsonDataset(dir, { patients: 0, seed: 8, targetBytes: 50 * 1024 * 1024 });
      assert.ok(info.bytes >= 50 * 1024 * 1024);
      await mutateNdjsonDataset(dir, { fraction: 0.01, seed: 1 });
    } finally {
      clearInterval(timer);
    }
    peak = Math.max(peak, process.memoryUsage().rss);
    const growth = (peak - rss0) / 1024 / 1024;
    assert.ok(growth < 150, `rss grew ${growth.toFixed(1)} MB`);
  });
});
