/**
 * The audit trail as a subscriber of the event bus: use cases publish what happened ("action" events); this
 * appends each to the catalog and mirrors the trail into the repository's audit/ files (so it survives the PC).
 * Finished runs and settings changes mirror the entries the catalog wrote itself (settings, alerts).
 *
 * Nothing vanishes: an entry that cannot be written (no repository yet, the disk full, the catalog unreadable)
 * waits in a private file of the state folder and is written with the next entry that succeeds; meanwhile the
 * failure raises the "audit" alert. A mirror that fails (the destination unreachable) leaves the entry in the
 * catalog, is retried with every later entry and run, and raises the same alert until it succeeds.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuditTrailState } from '../alerts/index.js';
import { type Catalog, type JsonValue, mirrorAudit } from '../catalog/index.js';
import type { Repository } from '../repository/index.js';
import { ensurePrivateDir, isEngineError, writePrivateFile } from '../shared/index.js';
import type { EventBus } from './bus.js';

export interface AuditTrailDeps {
  readonly bus: EventBus;
  readonly catalog: () => Promise<Catalog>;
  readonly repo: () => Promise<Repository>;
  readonly stateDir: (repoId: string) => string;
  /** The private file holding entries not written yet (shared by every repository of this user). */
  readonly pendingFile: string;
  /** The repository these entries belong to. */
  readonly location: string;
  readonly actor: () => string;
}

interface PendingEntry {
  readonly location: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly details: JsonValue;
}

function isPendingEntry(v: unknown): v is PendingEntry {
  const e = v as Partial<PendingEntry>;
  return typeof v === 'object' && v !== null && typeof e.location === 'string' && typeof e.at === 'string' && typeof e.actor === 'string' && typeof e.action === 'string';
}

export class AuditTrail {
  private failure: { since: string; errorCode: string; unwritten: number } | null = null;

  constructor(private readonly deps: AuditTrailDeps) {}

  /** Subscribes the trail to the bus: actions are recorded, runs and settings changes mirror the trail. */
  install(): void {
    this.deps.bus.on('action', 'audit trail', (e) => this.record(e.action, e.details));
    this.deps.bus.on('run-finished', 'audit mirror', () => this.mirror());
    this.deps.bus.on('settings-changed', 'audit mirror', () => this.mirror());
  }

  /** Entries not written yet, for the alert rules (null when everything is written). */
  state(): AuditTrailState | null {
    return this.failure && this.failure.unwritten > 0 ? { pending: this.failure.unwritten, since: this.failure.since, errorCode: this.failure.errorCode } : null;
  }

  /** Appends an entry to a catalog known to be open (used while the catalog itself is being opened). */
  async append(catalog: Catalog, repo: Repository, action: string, details: JsonValue): Promise<void> {
    catalog.appendAudit({ actor: this.deps.actor(), action, details });
    await this.mirrorTo(catalog, repo);
  }

  /** Records an action. Never throws: what cannot be written now waits, and the failure raises an alert. */
  async record(action: string, details: JsonValue): Promise<void> {
    const entry: PendingEntry = { location: this.deps.location, at: new Date().toISOString(), actor: this.deps.actor(), action, details };
    let catalog: Catalog;
    let repo: Repository;
    try {
      repo = await this.deps.repo();
      catalog = await this.deps.catalog();
      await this.flushPending(catalog);
      catalog.appendAudit({ actor: entry.actor, action, details, at: new Date(entry.at) });
    } catch (err) {
      await this.keep(entry, err);
      return;
    }
    await this.mirrorSafely(catalog, repo);
  }

  /** Writes entries waiting to the catalog and mirrors the trail into the repository. Never throws. */
  async mirror(): Promise<void> {
    let catalog: Catalog;
    let repo: Repository;
    try {
      repo = await this.deps.repo();
      catalog = await this.deps.catalog();
      await this.flushPending(catalog);
    } catch (err) {
      if (this.failure) this.failure = { ...this.failure, errorCode: isEngineError(err) ? err.code : 'INTERNAL' };
      return;
    }
    await this.mirrorSafely(catalog, repo);
  }

  private async mirrorSafely(catalog: Catalog, repo: Repository): Promise<void> {
    try {
      await this.mirrorTo(catalog, repo);
    } catch (err) {
      // The entry is in the catalog; the repository's copy follows with the next mirror.
      this.fail(err, 1);
      await this.deps.bus.publish('audit-state', { errorCode: isEngineError(err) ? err.code : 'INTERNAL' });
    }
  }

  private async mirrorTo(catalog: Catalog, repo: Repository): Promise<void> {
    await mirrorAudit(catalog, repo, this.deps.stateDir(repo.id));
    if (this.failure) {
      this.failure = null;
      await this.deps.bus.publish('audit-state', { errorCode: null });
    }
  }

  private fail(err: unknown, more: number): void {
    const errorCode = isEngineError(err) ? err.code : 'INTERNAL';
    this.failure = { since: this.failure?.since ?? new Date().toISOString(), errorCode, unwritten: (this.failure?.unwritten ?? 0) + more };
  }

  /** Keeps an entry that could not be written in the pending file, and raises the alert. */
  private async keep(entry: PendingEntry, err: unknown): Promise<void> {
    this.fail(err, 1);
    try {
      const pending = await this.readPending();
      await ensurePrivateDir(path.dirname(this.deps.pendingFile));
      await writePrivateFile(this.deps.pendingFile, JSON.stringify([...pending, entry]));
    } catch (writeErr) {
      // The state folder cannot be written either: the entry is lost with this process, and the logs say so.
      this.deps.bus.diagnostic('audit pending file', writeErr);
    }
    await this.deps.bus.publish('audit-state', { errorCode: this.failure?.errorCode ?? 'INTERNAL' });
  }

  private async readPending(): Promise<PendingEntry[]> {
    let text: string;
    try {
      text = await readFile(this.deps.pendingFile, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter(isPendingEntry) : [];
  }

  /** Writes this repository's waiting entries (with their own times) before a new one. */
  private async flushPending(catalog: Catalog): Promise<void> {
    const pending = await this.readPending();
    const mine = pending.filter((e) => e.location === this.deps.location);
    if (mine.length === 0) return;
    for (const e of mine) catalog.appendAudit({ actor: e.actor, action: e.action, details: e.details, at: new Date(e.at) });
    await writePrivateFile(this.deps.pendingFile, JSON.stringify(pending.filter((e) => e.location !== this.deps.location)));
    if (this.failure) this.failure = { ...this.failure, unwritten: Math.max(0, this.failure.unwritten - mine.length) };
  }
}
