/**
 * Deterministic synthetic FHIR R4 data, shaped like Synthea output (with Brazilian touches: CPF/CNS
 * identifiers, pt-BR names with accents, -03:00 offsets). Used by the sandbox server, tests and benchmarks.
 *
 * Resources are produced as JSON *text* built from templates, never through JSON.stringify of numbers:
 * decimals such as 36.50, 98.60 or 1.230e2 are written exactly as a real server would store them, and
 * change if parsed and re-serialised. The backup product must keep those bytes.
 *
 * Every patient is generated from its own PRNG stream (seed, patient index), so the first N patients are
 * the same whatever the total, and `writeNdjsonDataset` with `targetBytes` simply keeps going.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../shared/index.js';
import { createRng, mixSeed, type Rng } from './prng.js';
import { GIVEN_F, GIVEN_M, FAMILY, VITALS, BASELINE_TEMP, LAB_LIST, PANELS, type ObsKind } from './syntheticVocabulary.js';

import {
  DAY,
  DEFAULT_SEED,
  LineSink,
  allergyLine,
  conditionLine,
  encounterLine,
  immunizationLine,
  medicationLine,
  observationLine,
  patientLine,
  procedureLine,
  reportLine,
  type Ctx,
  type EncounterPlan,
} from './syntheticLines.js';
export { CNS_SYSTEM, CPF_SYSTEM } from './syntheticVocabulary.js';
export { patientIdOfReference, patientOf } from './patientOf.js';
export { mutateLine, mutateNdjsonDataset } from './syntheticMutate.js';
export interface SyntheticOptions {
  patients: number;
  seed?: number;
  /** ISO date or instant; clinical dates fall in the three years before it, meta.lastUpdated shortly after. Default 2024-01-01. */
  startDate?: string;
}

export interface SyntheticResource {
  type: string;
  id: string;
  patientId: string | null;
  /** JSON text of the resource, one line, no trailing newline. */
  line: string;
}

export interface NdjsonDatasetInfo {
  dir: string;
  /** Absolute paths of the files written, one per resource type (<Type>.ndjson), sorted. */
  files: string[];
  counts: Record<string, number>;
  bytes: number;
  resources: number;
}

/** The resource types the generator produces, in the order a restore would want them. */
export const SYNTHETIC_TYPES = ['Patient', 'AllergyIntolerance', 'Encounter', 'Condition', 'Observation', 'DiagnosticReport', 'Procedure', 'MedicationRequest', 'Immunization'] as const;

const DEFAULT_START = '2024-01-01';

function parseStart(startDate: string | undefined): number {
  const ms = Date.parse(startDate ?? DEFAULT_START);
  if (!Number.isFinite(ms)) throw new EngineError('INVALID_ARGUMENT', { name: 'startDate', value: String(startDate) });
  return ms;
}

/** Spreads `n` items over `m` buckets at random (bucket index per item). */
function spread(r: Rng, n: number, m: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.int(0, m - 1));
  return out;
}

/** All resources of patient number `index`, in an order where references point backwards. */
function* patientResources(seed: number, index: number, startMs: number): Generator<SyntheticResource> {
  const r = createRng(mixSeed(seed, index + 1));
  const patientId = r.uuid();
  const gender: 'male' | 'female' = r.chance(0.5) ? 'female' : 'male';
  const given = r.pick(gender === 'female' ? GIVEN_F : GIVEN_M);
  const family = `${r.pick(FAMILY)} ${r.pick(FAMILY)}`;
  const birthMs = startMs - r.int(1 * 365, 90 * 365) * DAY;
  const c: Ctx = { r, patientId, patientName: `${given} ${family}`, clock: startMs + index * 60_000 };
  const mk = (type: string, id: string, line: string): SyntheticResource => ({ type, id, patientId, line });

  yield mk('Patient', patientId, patientLine(c, gender, given, family, birthMs));

  const nEnc = r.int(5, 15);
  const encounters: EncounterPlan[] = [];
  let t = startMs - r.int(700, 1090) * DAY;
  for (let i = 0; i < nEnc; i++) {
    t += r.int(7, 70) * DAY + r.int(0, 600) * 60000;
    const start = Math.min(t, startMs - DAY);
    encounters.push({ id: r.uuid(), start, end: start + r.int(15, 90) * 60000 });
  }
  // plan the clinical resources per encounter
  const nReports = r.int(1, 6);
  const reportPanels = Array.from({ length: nReports }, () => r.pick(PANELS));
  const reportResults = reportPanels.map((p) => r.int(1, p.labs.length));
  const resultTotal = reportResults.reduce((a, b) => a + b, 0);
  const nObs = Math.max(r.int(20, 80), resultTotal);
  const plan = {
    cond: spread(r, r.int(2, 6), nEnc),
    obs: spread(r, nObs - resultTotal, nEnc),
    rep: spread(r, nReports, nEnc),
    med: spread(r, r.int(2, 8), nEnc),
    proc: spread(r, r.int(1, 5), nEnc),
    imm: spread(r, r.int(2, 8), nEnc),
  };
  const nAllergies = r.int(0, 3);
  const conditions: string[] = [];
  let firstVital = true;

  for (let ei = 0; ei < nEnc; ei++) {
    const e = encounters[ei] as EncounterPlan;
    yield mk('Encounter', e.id, encounterLine(c, e));
    if (ei === 0) {
      for (let a = 0; a < nAllergies; a++) {
        const id = r.uuid();
        yield mk('AllergyIntolerance', id, allergyLine(c, id, e.start));
      }
    }
    for (const b of plan.cond) {
      if (b !== ei) continue;
      const id = r.uuid();
      conditions.push(id);
      yield mk('Condition', id, conditionLine(c, id, e));
    }
    for (const b of plan.obs) {
      if (b !== ei) continue;
      const id = r.uuid();
      // each patient's first vital sign is a temperature check (often exactly 36.50, a decimal that JSON round trips lose)
      const kind = firstVital ? BASELINE_TEMP : r.chance(0.7) ? r.pick(VITALS) : r.pick(LAB_LIST);
      firstVital = false;
      yield mk('Observation', id, observationLine(c, id, kind, e, e.start + r.int(1, 20) * 60000));
    }
    for (let k = 0; k < plan.rep.length; k++) {
      if (plan.rep[k] !== ei) continue;
      const panel = reportPanels[k] as (typeof PANELS)[number];
      const at = e.start + r.int(20, 60) * 60000;
      const results: string[] = [];
      for (let j = 0; j < (reportResults[k] ?? 1); j++) {
        const id = r.uuid();
        results.push(id);
        yield mk('Observation', id, observationLine(c, id, panel.labs[j] as ObsKind, e, at));
      }
      const id = r.uuid();
      yield mk('DiagnosticReport', id, reportLine(c, id, panel, e, results, at));
    }
    for (const b of plan.proc) {
      if (b !== ei) continue;
      const id = r.uuid();
      const reason = conditions.length > 0 && r.chance(0.5) ? r.pick(conditions) : undefined;
      yield mk('Procedure', id, procedureLine(c, id, e, reason));
    }
    for (const b of plan.med) {
      if (b !== ei) continue;
      const id = r.uuid();
      const reason = conditions.length > 0 && r.chance(0.7) ? r.pick(conditions) : undefined;
      yield mk('MedicationRequest', id, medicationLine(c, id, e, reason));
    }
    for (const b of plan.imm) {
      if (b !== ei) continue;
      const id = r.uuid();
      yield mk('Immunization', id, immunizationLine(c, id, e));
    }
  }
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new EngineError('INVALID_ARGUMENT', { name, value: String(n) });
}

/** Streams the resources of `opts.patients` patients, grouped by patient (Patient first, references point backwards). */
export function* generateResources(opts: SyntheticOptions): Generator<SyntheticResource> {
  checkCount('patients', opts.patients);
  const seed = opts.seed ?? DEFAULT_SEED;
  const startMs = parseStart(opts.startDate);
  for (let i = 0; i < opts.patients; i++) yield* patientResources(seed, i, startMs);
}

// ---------------------------------------------------------------------------------------------
// NDJSON files

/** Writes one NDJSON file per type (<Type>.ndjson) in dir, streaming (memory bounded), like a Bulk Data export. */
export async function writeNdjsonDataset(dir: string, opts: SyntheticOptions & { targetBytes?: number }): Promise<NdjsonDatasetInfo> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const startMs = parseStart(opts.startDate);
  const target = opts.targetBytes;
  if (target !== undefined && (!Number.isFinite(target) || target <= 0)) throw new EngineError('INVALID_ARGUMENT', { name: 'targetBytes', value: String(target) });
  if (target === undefined) checkCount('patients', opts.patients);
  await mkdir(dir, { recursive: true });
  const sinks = new Map<string, LineSink>();
  const counts: Record<string, number> = {};
  let bytes = 0;
  let resources = 0;
  try {
    for (let i = 0; target !== undefined ? bytes < target : i < opts.patients; i++) {
      for (const res of patientResources(seed, i, startMs)) {
        let sink = sinks.get(res.type);
        if (!sink) {
          sink = new LineSink(path.join(dir, `${res.type}.ndjson`));
          sinks.set(res.type, sink);
        }
        await sink.write(res.line);
        counts[res.type] = (counts[res.type] ?? 0) + 1;
        bytes += Buffer.byteLength(res.line) + 1;
        resources++;
      }
    }
  } finally {
    for (const s of sinks.values()) await s.close();
  }
  const files = [...sinks.keys()].sort().map((t) => path.join(dir, `${t}.ndjson`));
  return { dir, files, counts, bytes, resources };
}

// ---------------------------------------------------------------------------------------------
// patient compartment
