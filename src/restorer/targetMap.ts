/**
 * What a restore remembers on disk (issue 14 §7): so an interrupted restore resumes without writing anything
 * twice, and later restores into the same server update what earlier ones created.
 *
 *  - The target map (one file per target server and source): old "Type/id" → the id the target gave it, and
 *    old attachment URL → the Binary created for it. Kept after the restore (later restores, the report).
 *  - The journal (one file per restore scope): resources written, bundles sent but not yet answered (so a
 *    kill -9 between the server's commit and our note is reconciled, not duplicated), references still to be
 *    fixed. Removed when a restore completes.
 * Both are append-only JSON lines; a line cut by a crash is ignored (its work is redone or reconciled).
 */
import { appendFile, readFile, rm } from 'node:fs/promises';

/** A file's text, or '' when it does not exist yet (a first restore). An unreadable file is an error: ignoring it would redo everything. */
async function readIfPresent(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

interface MapLine {
  readonly k?: string;
  readonly u?: string;
  readonly n?: string | null;
}

export class TargetMap {
  private readonly ids = new Map<string, string>();
  private readonly urls = new Map<string, string>();
  private write: Promise<void> = Promise.resolve();
  /** Mappings added by this run. */
  assigned = 0;

  private constructor(private readonly file: string | null) {}

  /** Opens (or starts) the map of a target; without a file it lives in memory only (drills). */
  static async open(file: string | null): Promise<TargetMap> {
    const m = new TargetMap(file);
    if (!file) return m;
    const text = await readIfPresent(file);
    for (const line of text.split('\n')) {
      if (!line) continue;
      let v: MapLine;
      try {
        v = JSON.parse(line) as MapLine;
      } catch {
        continue; // cut by a crash
      }
      if (typeof v.k === 'string') {
        if (typeof v.n === 'string') m.ids.set(v.k, v.n);
        else m.ids.delete(v.k);
      } else if (typeof v.u === 'string' && typeof v.n === 'string') m.urls.set(v.u, v.n);
    }
    return m;
  }

  get path(): string | null {
    return this.file;
  }

  get size(): number {
    return this.ids.size;
  }

  /** The target's "Type/id" for an old "Type/id", when the target gave it another id. */
  id(oldKey: string): string | undefined {
    return this.ids.get(oldKey);
  }

  url(oldUrl: string): string | undefined {
    return this.urls.get(oldUrl);
  }

  get urlMap(): ReadonlyMap<string, string> {
    return this.urls;
  }

  entries(): [string, string][] {
    return [...this.ids];
  }

  private append(lines: readonly MapLine[]): Promise<void> {
    if (!this.file || lines.length === 0) return Promise.resolve();
    const file = this.file;
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
    this.write = this.write.then(() => appendFile(file, text, { mode: 0o600 }));
    return this.write;
  }

  async setIds(pairs: readonly (readonly [string, string])[]): Promise<void> {
    const lines: MapLine[] = [];
    for (const [k, n] of pairs) {
      if (this.ids.get(k) === n) continue;
      this.ids.set(k, n);
      this.assigned++;
      lines.push({ k, n });
    }
    await this.append(lines);
  }

  /** A mapping that no longer holds (the target lost the resource, e.g. a new server at the same address). */
  async forget(oldKey: string): Promise<void> {
    if (!this.ids.delete(oldKey)) return;
    await this.append([{ k: oldKey, n: null }]);
  }

  async setUrl(oldUrl: string, newUrl: string): Promise<void> {
    if (this.urls.get(oldUrl) === newUrl) return;
    this.urls.set(oldUrl, newUrl);
    await this.append([{ u: oldUrl, n: newUrl }]);
  }

  async flush(): Promise<void> {
    await this.write;
  }
}

/** A bundle of creations sent but not known to be answered: its items (old key, the urn:uuid it was sent under). */
export interface PendingBundle {
  readonly id: string;
  /** The target server's clock just before sending (resources it created are at or after this). */
  readonly at: string;
  readonly items: readonly { readonly key: string; readonly urn: string }[];
}

interface JournalLine {
  readonly t?: string;
  readonly ids?: readonly string[];
  readonly p?: string;
  readonly at?: string;
  readonly items?: readonly (readonly [string, string])[];
  readonly c?: string;
  readonly fx?: string;
  readonly fd?: string;
}

export class RestoreJournal {
  /** "Type/id" (old ids) written. */
  readonly done = new Set<string>();
  readonly pending = new Map<string, PendingBundle>();
  /** Resources written with references to resources not created yet: rewritten once those exist. */
  readonly fixups = new Set<string>();
  private write: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string | null) {}

  static async open(file: string | null | undefined): Promise<RestoreJournal> {
    const j = new RestoreJournal(file ?? null);
    if (!file) return j;
    const text = await readIfPresent(file);
    for (const line of text.split('\n')) {
      if (!line) continue;
      let v: JournalLine;
      try {
        v = JSON.parse(line) as JournalLine;
      } catch {
        continue; // a line cut by a crash: the resources it names are simply written again (PUT is idempotent)
      }
      if (typeof v.t === 'string' && Array.isArray(v.ids)) for (const id of v.ids) j.done.add(`${v.t}/${id}`);
      else if (typeof v.p === 'string' && typeof v.at === 'string' && Array.isArray(v.items)) j.pending.set(v.p, { id: v.p, at: v.at, items: v.items.map(([key, urn]) => ({ key, urn })) });
      else if (typeof v.c === 'string') j.pending.delete(v.c);
      else if (typeof v.fx === 'string') j.fixups.add(v.fx);
      else if (typeof v.fd === 'string') j.fixups.delete(v.fd);
    }
    return j;
  }

  private append(line: JournalLine): Promise<void> {
    if (!this.file) return Promise.resolve();
    const file = this.file;
    this.write = this.write.then(() => appendFile(file, JSON.stringify(line) + '\n', { mode: 0o600 }));
    return this.write;
  }

  markDone(type: string, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.done.add(`${type}/${id}`);
    return ids.length > 0 ? this.append({ t: type, ids }) : Promise.resolve();
  }

  begin(bundle: PendingBundle): Promise<void> {
    this.pending.set(bundle.id, bundle);
    return this.append({ p: bundle.id, at: bundle.at, items: bundle.items.map((i) => [i.key, i.urn] as const) });
  }

  complete(id: string): Promise<void> {
    if (!this.pending.delete(id)) return Promise.resolve();
    return this.append({ c: id });
  }

  needFixup(key: string): Promise<void> {
    if (this.fixups.has(key)) return Promise.resolve();
    this.fixups.add(key);
    return this.append({ fx: key });
  }

  fixed(key: string): Promise<void> {
    if (!this.fixups.delete(key)) return Promise.resolve();
    return this.append({ fd: key });
  }

  async flush(): Promise<void> {
    await this.write;
  }

  /** A complete restore needs no journal. */
  async remove(): Promise<void> {
    await this.write;
    if (this.file) await rm(this.file, { force: true });
  }
}
