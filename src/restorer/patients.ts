/**
 * Finding a patient in a snapshot for the one-patient restore: by name (accents and case ignored, each word a
 * prefix of a name word) or by id. Names are read from the backed-up Patient resources once per snapshot.
 */
import { readResource, type Repository, type SnapshotRecord } from '../repository/index.js';
import type { PatientMatch } from '../shared/index.js';
import { selectRows } from './ndjsonTarget.js';

/** A patient's display name: the first name's text, else given names and family name. */
export function patientName(names: unknown): string {
  if (!Array.isArray(names)) return '';
  const n = names.find((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) ?? {};
  if (typeof n['text'] === 'string' && n['text'].trim()) return n['text'].trim();
  const given = Array.isArray(n['given']) ? n['given'].filter((g): g is string => typeof g === 'string') : [];
  return [...given, typeof n['family'] === 'string' ? n['family'] : ''].join(' ').trim();
}

/** Lowercase without accents, for matching names typed without them ("Joao" finds "João"). */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
}

interface Entry {
  readonly patient: PatientMatch;
  readonly words: string[];
}

/** The patients of the snapshot searched last, with their names folded for matching. */
export class PatientDirectory {
  private snapshotId: string | null = null;
  private entries: Entry[] = [];

  private async load(repo: Repository, snap: SnapshotRecord, signal?: AbortSignal): Promise<Entry[]> {
    if (this.snapshotId === snap.id) return this.entries;
    await repo.loadIndex(signal);
    const rows = (await selectRows(repo, snap, { types: ['Patient'] })).get('Patient') ?? [];
    const all: Entry[] = [];
    for (const row of rows) {
      let resource: { name?: unknown; birthDate?: unknown } = {};
      try {
        resource = JSON.parse((await readResource(repo, row)).toString('utf8')) as typeof resource;
      } catch (err) {
        // A Patient that is not JSON is listed by its id, without a name.
        if (!(err instanceof SyntaxError)) throw err;
      }
      const name = patientName(resource.name);
      all.push({ patient: { id: row.id, name, birthDate: typeof resource.birthDate === 'string' ? resource.birthDate : null }, words: foldText(name).split(/\s+/) });
    }
    all.sort((a, b) => a.patient.name.localeCompare(b.patient.name) || a.patient.id.localeCompare(b.patient.id));
    this.snapshotId = snap.id;
    this.entries = all;
    return all;
  }

  /** Patients whose name or id matches the query, sorted by name; `limit` 1-100 (default 20). */
  async find(repo: Repository, snap: SnapshotRecord, query: string, limit = 20): Promise<{ patients: PatientMatch[]; total: number }> {
    const all = await this.load(repo, snap);
    const words = foldText(query).split(/\s+/).filter(Boolean);
    const max = Math.max(1, Math.min(100, limit));
    const matches =
      words.length === 0 ? all : all.filter((p) => (words.length === 1 && p.patient.id.toLowerCase().includes(words[0] as string)) || words.every((w) => p.words.some((n) => n.startsWith(w))));
    return { patients: matches.slice(0, max).map((m) => m.patient), total: matches.length };
  }
}
