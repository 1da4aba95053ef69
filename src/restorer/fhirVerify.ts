/** After a restore into a FHIR server: the read-back verification (a sample, or every resource). */
import { readResource, type Repository } from '../repository/index.js';
import type { FhirHttp } from '../source/index.js';
import { throwIfAborted } from '../shared/index.js';
import { sameContent } from './rewrite.js';
import type { SelectedRow } from './selection.js';
import { readOne, type FhirRestoreOptions, type RestoreMapping } from './fhirPlan.js';

/**
 * Reads restored resources back and compares their content. `notWritten` (failures, and administration resources
 * the target refused, which are reported as skipped) are not read back: they are not expected on the target.
 */
export async function verifyRestore(
  repo: Repository,
  rows: Map<string, SelectedRow[]>,
  http: FhirHttp,
  mapping: RestoreMapping,
  notWritten: readonly { readonly resource: string }[],
  opts: FhirRestoreOptions,
): Promise<{ checked: number; mismatches: string[] }> {
  const failed = new Set(notWritten.map((f) => f.resource));
  const all: SelectedRow[] = [];
  for (const list of rows.values()) for (const r of list) if (!failed.has(`${r.type}/${r.id}`)) all.push(r);
  let sample = all;
  if (opts.verify !== 'all') {
    const n = Math.min(all.length, opts.sampleSize ?? 50);
    const step = all.length / Math.max(1, n);
    sample = Array.from({ length: n }, (_, i) => all[Math.floor(i * step)] as SelectedRow);
  }
  const mismatches: string[] = [];
  for (const r of sample) {
    throwIfAborted(opts.signal);
    const key = `${r.type}/${r.id}`;
    const value = await readOne(http, mapping.targetKey(key), opts.signal);
    if (!value || !sameContent(await mapping.expected(repo, key, await readResource(repo, r, { signal: opts.signal }), opts.signal), value)) mismatches.push(key);
  }
  return { checked: sample.length, mismatches };
}
