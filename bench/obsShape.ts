/**
 * The second data shape of the repository benchmark: an Observation-heavy export like real EHR data, where vital
 * signs and lab results dominate: small resources (about 560 bytes, ≥ 1.5 million per GB), random UUID ids, and
 * one patient's resources scattered over the files (generated in random patient order), a shape the engine was
 * not tuned for. Deterministic for a seed.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

const CODES = [
  ['8867-4', 'Heart rate', '/min', 60, 110],
  ['8310-5', 'Body temperature', 'Cel', 35.5, 39.5],
  ['8480-6', 'Systolic blood pressure', 'mm[Hg]', 95, 170],
  ['8462-4', 'Diastolic blood pressure', 'mm[Hg]', 55, 105],
  ['2339-0', 'Glucose [Mass/volume] in Blood', 'mg/dL', 65, 240],
  ['29463-7', 'Body weight', 'kg', 3, 140],
  ['9279-1', 'Respiratory rate', '/min', 10, 30],
  ['59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', '%', 85, 100],
  ['718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/dL', 9, 18],
  ['2093-3', 'Cholesterol [Mass/volume] in Serum or Plasma', 'mg/dL', 120, 320],
] as const;

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function uuid(r: () => number): string {
  const h = (): string =>
    Math.floor(r() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  const a = h() + h() + h() + h();
  return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-a${a.slice(17, 20)}-${a.slice(20, 32)}`;
}

export interface ObsShapeInfo {
  readonly bytes: number;
  readonly resources: number;
  readonly patients: number;
}

/** Writes about `targetBytes` of NDJSON into `dir`: Patient.ndjson and Observation-1…8.ndjson. */
export async function writeObservationShape(dir: string, targetBytes: number, seed = 1): Promise<ObsShapeInfo> {
  await mkdir(dir, { recursive: true });
  const r = rng(seed * 2654435761);
  const patientCount = Math.max(10, Math.round(targetBytes / 560 / 350));
  const patients = Array.from({ length: patientCount }, () => uuid(r));
  let bytes = 0;
  let resources = 0;
  const pf = await open(path.join(dir, 'Patient.ndjson'), 'w');
  let buf: string[] = [];
  for (const [i, id] of patients.entries()) {
    const line = `{"resourceType":"Patient","id":"${id}","meta":{"versionId":"1","lastUpdated":"2024-0${1 + (i % 9)}-1${i % 10}T08:00:00.000Z"},"gender":"${i % 2 ? 'female' : 'male'}","birthDate":"19${40 + (i % 60)}-0${1 + (i % 9)}-1${i % 10}","name":[{"family":"Silva${i}","given":["Maria"]}]}`;
    buf.push(line);
    bytes += line.length + 1;
    resources++;
  }
  await pf.writeFile(buf.join('\n') + '\n');
  await pf.close();
  const files = await Promise.all(Array.from({ length: 8 }, (_, k) => open(path.join(dir, `Observation-${k + 1}.ndjson`), 'w')));
  const pending: string[][] = files.map(() => []);
  let n = 0;
  while (bytes < targetBytes) {
    const [code, display, unit, lo, hi] = CODES[Math.floor(r() * CODES.length)] as (typeof CODES)[number];
    const patient = patients[Math.floor(r() * patients.length)] as string;
    const t = Date.UTC(2015, 0, 1) + Math.floor(r() * 3.1e11);
    const when = new Date(t).toISOString();
    const value = (lo + r() * (hi - lo)).toFixed(unit === 'Cel' || unit === 'g/dL' ? 2 : 1);
    const category = code === '2339-0' || code === '718-7' || code === '2093-3' ? 'laboratory' : 'vital-signs';
    const line = `{"resourceType":"Observation","id":"${uuid(r)}","meta":{"versionId":"1","lastUpdated":"${when}"},"status":"final","category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"${category}"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"${code}","display":"${display}"}]},"subject":{"reference":"Patient/${patient}"},"effectiveDateTime":"${when}","valueQuantity":{"value":${value},"unit":"${unit}","system":"http://unitsofmeasure.org","code":"${unit}"}}`;
    const k = n++ % files.length;
    (pending[k] as string[]).push(line);
    bytes += line.length + 1;
    resources++;
    if ((pending[k] as string[]).length >= 2000) {
      await (files[k] as Awaited<ReturnType<typeof open>>).write((pending[k] as string[]).join('\n') + '\n');
      pending[k] = [];
    }
  }
  for (let k = 0; k < files.length; k++) {
    if ((pending[k] as string[]).length > 0) await (files[k] as Awaited<ReturnType<typeof open>>).write((pending[k] as string[]).join('\n') + '\n');
    await (files[k] as Awaited<ReturnType<typeof open>>).close();
  }
  buf = [];
  return { bytes, resources, patients: patientCount };
}
