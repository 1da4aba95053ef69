import { EngineError, throwIfAborted } from '../shared/index.js';
import { makeErrno, mapFsError } from './local/fsErrors.js';
import { sleep } from './sleep.js';
import { filePath, type Backend, type ByteRange, type Capacity, type FileInfo, type FileKind, type FileRef, type WriteOptions } from './types.js';

/**
 * A fault-injecting wrapper for tests and drills: a plan of rules, each matching some calls and
 * applying one effect to them. Errors go through the same mapping as LocalBackend, so an injected
 * ENOSPC surfaces as DEST_FULL exactly like a real full disk.
 */

export const FAULT_OPS = ['list', 'stat', 'read', 'write', 'delete', 'capacity'] as const;
export type FaultOp = (typeof FAULT_OPS)[number];

/** File-system errors (mapped like real ones), a destination gone, or a generic transient failure. */
export type FaultErrorName = 'ENOSPC' | 'EDQUOT' | 'EIO' | 'EACCES' | 'EPERM' | 'EROFS' | 'ENOTCONN' | 'ETIMEDOUT' | 'offline' | 'transient';

export type FaultEffect =
  /**
   * Throws an error. By default before the inner call (nothing happens); with `after: true` the inner
   * call completes and then the error is thrown (a lost reply: the write landed, the caller does not know).
   * For list, `after` throws after the first file has been yielded.
   */
  | { readonly type: 'error'; readonly error: FaultErrorName; readonly after?: boolean }
  /** The file looks absent: stat → null, read → NOT_FOUND, list hides it, delete does nothing. */
  | { readonly type: 'missing' }
  /** read returns the data with one byte inverted: `at` is the offset in the file (default: middle of what is returned). */
  | { readonly type: 'flipByte'; readonly at?: number }
  /** write dies mid-way (process crash, cable pulled): throws DEST_IO and nothing becomes visible. */
  | { readonly type: 'crashMidWrite' }
  /** Adds latency to the call. */
  | { readonly type: 'delay'; readonly ms: number };

export interface FaultRule {
  /** Which operations the rule watches; 'any' for all. */
  readonly op: FaultOp | readonly FaultOp[] | 'any';
  /** Only calls on this kind (list calls match by their kind). */
  readonly kind?: FileKind;
  /** Only calls on this file name. */
  readonly name?: string;
  /** The first matching call affected, from 1. Default 1. */
  readonly nth?: number;
  /** Affect every k-th matching call from `nth` on. Default 1 (each one). */
  readonly every?: number;
  /** At most this many calls are affected. Default unlimited. */
  readonly times?: number;
  /**
   * Count matching calls separately for each file (and each listed kind) instead of globally, so
   * `nth`/`every` are deterministic even when many calls run concurrently.
   */
  readonly perFile?: boolean;
  readonly effect: FaultEffect;
}

export interface FaultPlan {
  readonly rules?: readonly FaultRule[];
  /** Latency added to every call. */
  readonly latencyMs?: number;
}

interface RuleState {
  readonly rule: FaultRule;
  matched: number;
  readonly matchedPerFile: Map<string, number>;
  fired: number;
}

/** Ready-made rules for the usual drills. */
export const faults = {
  /** ENOSPC on writes (→ DEST_FULL), from the nth write on (default the first), optionally only for one kind. */
  diskFull(opts: { nth?: number; kind?: FileKind; times?: number } = {}): FaultRule {
    return { op: 'write', ...opts, effect: { type: 'error', error: 'ENOSPC' } };
  },
  /** The first `times` calls (of `op`, default any) fail with a transient error. */
  transient(times: number, op: FaultRule['op'] = 'any'): FaultRule {
    return { op, times, effect: { type: 'error', error: 'transient' } };
  },
  /**
   * Every k-th call (of `op`, default any) fails with a transient error, forever. With `perFile`,
   * calls are counted per file and the first failure is at `nth` (default k).
   */
  flaky(every: number, opts: { op?: FaultRule['op']; after?: boolean; perFile?: boolean; nth?: number } = {}): FaultRule {
    const { op = 'any', after = false, perFile = false, nth = every } = opts;
    return { op, every, nth, perFile, effect: { type: 'error', error: 'transient', after } };
  },
  /** Reads of matching files return one inverted byte. */
  corruptRead(opts: { kind?: FileKind; name?: string; at?: number; times?: number } = {}): FaultRule {
    const { at, ...match } = opts;
    return { op: 'read', ...match, effect: at === undefined ? { type: 'flipByte' } : { type: 'flipByte', at } };
  },
  /** A file that is gone. */
  missing(ref: FileRef): FaultRule {
    return { op: ['read', 'stat', 'list', 'delete'], kind: ref.kind, name: ref.name, effect: { type: 'missing' } };
  },
  /** The nth write (default the first) crashes midway. */
  crashMidWrite(opts: { nth?: number; kind?: FileKind; name?: string } = {}): FaultRule {
    return { op: 'write', times: 1, ...opts, effect: { type: 'crashMidWrite' } };
  },
} as const;

export class FaultBackend implements Backend {
  readonly inner: Backend;
  #rules: RuleState[] = [];
  #latencyMs: number;
  readonly #counts = new Map<string, number>();
  /** How many faults were injected in total. */
  injected = 0;

  constructor(inner: Backend, plan: FaultPlan = {}) {
    this.inner = inner;
    this.#latencyMs = plan.latencyMs ?? 0;
    for (const rule of plan.rules ?? []) this.addRule(rule);
  }

  get location(): string {
    return this.inner.location;
  }

  addRule(rule: FaultRule): void {
    this.#rules.push({ rule, matched: 0, matchedPerFile: new Map(), fired: 0 });
  }

  /** Removes every rule (the backend becomes a plain pass-through); counters stay. */
  clearRules(): void {
    this.#rules = [];
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Calls seen for an operation, optionally only for one kind. */
  calls(op: FaultOp, kind?: FileKind): number {
    return this.#counts.get(kind === undefined ? op : `${op}:${kind}`) ?? 0;
  }

  resetCounters(): void {
    this.#counts.clear();
    this.injected = 0;
  }

  #count(op: FaultOp, kind: FileKind | undefined): void {
    this.#counts.set(op, (this.#counts.get(op) ?? 0) + 1);
    if (kind !== undefined) this.#counts.set(`${op}:${kind}`, (this.#counts.get(`${op}:${kind}`) ?? 0) + 1);
  }

  /** Counts the call and returns the rules that fire for it, in rule order. */
  #fire(op: FaultOp, kind: FileKind | undefined, name: string | undefined): FaultRule[] {
    this.#count(op, kind);
    const out: FaultRule[] = [];
    for (const s of this.#rules) {
      const r = s.rule;
      if (r.op !== 'any' && (typeof r.op === 'string' ? r.op !== op : !r.op.includes(op))) continue;
      if (r.kind !== undefined && r.kind !== kind) continue;
      // A rule naming a file applies to list only to hide that file from it.
      if (r.name !== undefined && (op === 'list' ? r.effect.type !== 'missing' : r.name !== name)) continue;
      let index = ++s.matched;
      if (r.perFile) {
        const key = name === undefined ? `${op}:${kind ?? ''}` : `${kind ?? ''}/${name}`;
        index = (s.matchedPerFile.get(key) ?? 0) + 1;
        s.matchedPerFile.set(key, index);
      }
      const nth = r.nth ?? 1;
      if (index < nth || (index - nth) % Math.max(1, r.every ?? 1) !== 0) continue;
      if (r.times !== undefined && s.fired >= r.times) continue;
      s.fired++;
      this.injected++;
      out.push(r);
    }
    return out;
  }

  #error(name: FaultErrorName, op: FaultOp, ref?: FileRef): EngineError {
    const target = ref ? filePath(ref) : undefined;
    if (name === 'transient') {
      return new EngineError('DEST_IO', { location: this.location, reason: `injected transient fault (${op})` }, { transient: true });
    }
    if (name === 'offline') return mapFsError(makeErrno('ENOENT', op, target), this.location, op);
    return mapFsError(makeErrno(name, op, target), this.location, op);
  }

  /** Applies delays and "before" errors; returns the effects left for after the inner call. */
  async #before(op: FaultOp, ref: FileRef | undefined, kind: FileKind | undefined, signal: AbortSignal | undefined): Promise<FaultEffect[]> {
    return (await this.#beforeRules(op, ref, kind, signal)).map((r) => r.effect);
  }

  async #beforeRules(op: FaultOp, ref: FileRef | undefined, kind: FileKind | undefined, signal: AbortSignal | undefined): Promise<FaultRule[]> {
    throwIfAborted(signal);
    const rules = this.#fire(op, kind ?? ref?.kind, ref?.name);
    const effects = rules.map((r) => r.effect);
    let delay = this.#latencyMs;
    for (const e of effects) if (e.type === 'delay') delay += e.ms;
    if (delay > 0) await sleep(delay, signal);
    for (const e of effects) {
      if (e.type === 'error' && !e.after) throw this.#error(e.error, op, ref);
      if (e.type === 'crashMidWrite' && op === 'write') {
        throw new EngineError('DEST_IO', { location: this.location, reason: 'simulated crash during write' });
      }
    }
    return rules;
  }

  #after(effects: readonly FaultEffect[], op: FaultOp, ref?: FileRef): void {
    for (const e of effects) if (e.type === 'error' && e.after) throw this.#error(e.error, op, ref);
  }

  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    return this.#list(kind, signal);
  }

  async *#list(kind: FileKind, signal?: AbortSignal): AsyncGenerator<FileInfo> {
    const rules = await this.#beforeRules('list', undefined, kind, signal);
    const effects = rules.map((r) => r.effect);
    const hideAll = rules.some((r) => r.effect.type === 'missing' && r.name === undefined);
    const hidden = new Set(rules.filter((r) => r.effect.type === 'missing').map((r) => r.name));
    const failAfterFirst = effects.find((e) => e.type === 'error' && e.after);
    let yielded = 0;
    for await (const info of this.inner.list(kind, signal)) {
      if (hideAll || hidden.has(info.name)) continue;
      yield info;
      yielded++;
      if (failAfterFirst?.type === 'error') throw this.#error(failAfterFirst.error, 'list');
    }
    if (yielded === 0) this.#after(effects, 'list');
  }

  async stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null> {
    const effects = await this.#before('stat', ref, undefined, signal);
    if (effects.some((e) => e.type === 'missing')) return null;
    const info = await this.inner.stat(ref, signal);
    this.#after(effects, 'stat', ref);
    return info;
  }

  async read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer> {
    const effects = await this.#before('read', ref, undefined, signal);
    if (effects.some((e) => e.type === 'missing')) throw new EngineError('NOT_FOUND', { what: filePath(ref) });
    let data = await this.inner.read(ref, range, signal);
    this.#after(effects, 'read', ref);
    for (const e of effects) {
      if (e.type !== 'flipByte' || data.length === 0) continue;
      const i = e.at === undefined ? Math.floor(data.length / 2) : e.at - (range?.offset ?? 0);
      if (i < 0 || i >= data.length) continue;
      data = Buffer.from(data);
      data[i] = (data[i] ?? 0) ^ 0xff;
    }
    return data;
  }

  async write(ref: FileRef, data: Buffer, options?: WriteOptions, signal?: AbortSignal): Promise<void> {
    const effects = await this.#before('write', ref, undefined, signal);
    await this.inner.write(ref, data, options, signal);
    this.#after(effects, 'write', ref);
  }

  async delete(ref: FileRef, signal?: AbortSignal): Promise<void> {
    const effects = await this.#before('delete', ref, undefined, signal);
    if (effects.some((e) => e.type === 'missing')) return;
    await this.inner.delete(ref, signal);
    this.#after(effects, 'delete', ref);
  }

  async capacity(signal?: AbortSignal): Promise<Capacity | null> {
    const effects = await this.#before('capacity', undefined, undefined, signal);
    const c = await this.inner.capacity(signal);
    this.#after(effects, 'capacity');
    return c;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
