/** Mutating a synthetic NDJSON data set (synthetic.ts): a fraction of the lines changed the way a server would. */
import { DAY, DEFAULT_SEED, LineSink } from './syntheticLines.js';
import { createReadStream } from 'node:fs';
import { rename, rm, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EngineError } from '../shared/index.js';
import { createRng, mixSeed, type Rng } from './prng.js';
import { instant } from './syntheticVocabulary.js';

// ---------------------------------------------------------------------------------------------
// mutation

const HEAD = /^\{"resourceType":"([A-Za-z]+)","id":"([^"]+)"/;

function keyOf(line: string): string | null {
  const m = HEAD.exec(line);
  if (m) return `${m[1]}/${m[2]}`;
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o['resourceType'] === 'string' && typeof o['id'] === 'string') return `${o['resourceType']}/${o['id']}`;
    }
  } catch {
    return null;
  }
  return null;
}

/** Adds `step` units of the last decimal place to a decimal text, keeping its form (fixed or exponent). */
function bumpDecimal(text: string, step: number): string {
  const m = /^(-?\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m) return text;
  const places = m[2]?.length ?? 0;
  const mantissa = Number(`${m[1]}${m[2] ? `.${m[2]}` : ''}`) + step / 10 ** places;
  return `${mantissa.toFixed(places)}${m[3] !== undefined ? `e${m[3]}` : ''}`;
}

/** Changes one line: versionId + 1, lastUpdated later, and a value (an Observation's quantity, else the narrative). */
export function mutateLine(line: string, r: Rng): string {
  let out = line.replace(/"versionId":"(\d+)"/, (_w, v: string) => `"versionId":"${Number(v) + 1}"`);
  out = out.replace(/"lastUpdated":"([^"]+)"/, (_w, v: string) => {
    const ms = Date.parse(v);
    const next = Number.isFinite(ms) ? ms + 30 * DAY + r.int(0, DAY / 1000) * 1000 : Date.UTC(2024, 6, 1);
    return `"lastUpdated":"${instant(next)}"`;
  });
  const before = out;
  out = out.replace(/"valueQuantity":\{"value":(-?[0-9][0-9.eE+-]*)/, (_w, v: string) => `"valueQuantity":{"value":${bumpDecimal(v, r.int(1, 9))}`);
  if (out === before) {
    const marked = out.replace(/<\/div>"/, ` [rev]</div>"`);
    out = marked !== out ? marked : out.replace(/\}$/, `,"extension":[{"url":"urn:clinic-backup:sandbox:rev","valueString":"${r.hex(8)}"}]}`);
  }
  return out;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) if (line.length > 0) n++;
  return n;
}

/** Picks k distinct indices in [0, n) (Floyd's algorithm: memory O(k)). */
function sample(r: Rng, n: number, k: number): Set<number> {
  const out = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = r.int(0, j);
    out.add(out.has(t) ? j : t);
  }
  return out;
}

/**
 * Changes `fraction` of the resources in the NDJSON files of dir in place (scattered: every file, random
 * positions; bumps meta.versionId and meta.lastUpdated and changes a value), streaming; returns the changed keys "Type/id".
 */
export async function mutateNdjsonDataset(dir: string, opts: { fraction: number; seed?: number }): Promise<{ changed: string[] }> {
  if (!(opts.fraction >= 0 && opts.fraction <= 1)) throw new EngineError('INVALID_ARGUMENT', { name: 'fraction', value: String(opts.fraction) });
  const r = createRng(mixSeed(opts.seed ?? DEFAULT_SEED, 0x5eed));
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ndjson')).sort();
  const changed: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const n = await countLines(file);
    let k = Math.round(n * opts.fraction);
    if (k === 0 && opts.fraction > 0 && n > 0) k = 1;
    if (k === 0) continue;
    const picked = sample(r, n, k);
    const tmp = `${file}.mutating`;
    const sink = new LineSink(tmp);
    try {
      const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      let i = 0;
      for await (const line of rl) {
        if (line.length === 0) continue;
        if (picked.has(i)) {
          const key = keyOf(line);
          if (key) changed.push(key);
          await sink.write(mutateLine(line, r));
        } else {
          await sink.write(line);
        }
        i++;
      }
      await sink.close();
    } catch (err) {
      // Best effort: the temporary file is removed next; the first error is the one reported.
      await sink.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    await rename(tmp, file);
  }
  return { changed };
}
