/**
 * The engine as the user interface sees it: one Engine for the chosen repository folder, the calls of
 * apiSchema.ts dispatched to it, errors turned into ErrorInfo data, and its events (plus the progress of the
 * long operations started here) fanned out to subscribers (SSE clients, metrics).
 * No decisions: every rule is in the engine. The host only owns *which* repository the UI works on.
 */
import { createEngine, toErrorInfo, TOOL_VERSION, type Engine, type EngineOptions, type Locale } from '../index.js';
import type { EngineEvent } from '../shared/contract.js';
import { EngineError, type ErrorInfo } from '../shared/errors.js';
import type { LongOperationOptions } from '../shared/events.js';
import { API_METHODS, checkApiCall } from '../shared/apiSchema.js';
import { Listeners } from '../shared/listeners.js';

export type CallResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: ErrorInfo };

export interface HostOptions {
  /** Engine options except the repository, which the host owns. */
  readonly engine: Omit<EngineOptions, 'repo' | 'locale'>;
  readonly repo: string;
  readonly locale: Locale;
  readonly mode: 'serve' | 'electron';
  /** Replaces createEngine (tests). */
  readonly createEngine?: (options: EngineOptions) => Engine;
  /** Told when the user picks another repository folder (the desktop app remembers it). */
  readonly onRepositoryChanged?: (path: string) => void;
  /** Host-level methods of this front end (the desktop app's own settings); others answer NOT_FOUND. */
  readonly extensions?: Readonly<Record<string, (args: readonly unknown[]) => Promise<unknown>>>;
  /** Told the outcome of every call (the desktop app notifies a failed backup with its message). */
  readonly onCallResult?: (method: string, result: CallResult) => void;
}

export interface HostInfo {
  readonly location: string;
  readonly mode: 'serve' | 'electron';
  readonly version: string;
  readonly locale: Locale;
  /** Whether a new repository keeps its key in the keychain (desktop, CLI default) or in the password file. */
  readonly useKeychain: boolean;
}

type Dispatch = (engine: Engine, args: readonly unknown[], options: LongOperationOptions) => Promise<unknown>;

/** Engine features that arrive from other modules over time: called only when the engine has them. */
type MaybeFeatures = Partial<Pick<Engine, 'drill' | 'listDrills' | 'drillReport' | 'runScheduler'>>;

/** What the engine's scheduler reports (started/finished jobs). */
export type SchedulerEvent = Parameters<NonNullable<Parameters<Engine['runScheduler']>[0]['onEvent']>>[0];

function unavailable(feature: string): EngineError {
  return new EngineError('NOT_FOUND', { what: feature, feature });
}

/* eslint-disable @typescript-eslint/no-explicit-any -- arguments were checked against apiSchema.ts before dispatch */
const DISPATCH: Readonly<Record<string, Dispatch>> = {
  status: (e) => e.status(),
  getSettings: (e) => e.getSettings(),
  updateSettings: (e, a) => e.updateSettings(a[0] as any),
  probeSource: (e, a) => e.probeSource(a[0] as any),
  detectDestinations: (e) => e.detectDestinations(),
  addCopy: (e, a, o) => e.addCopy(a[0] as any, o),
  removeCopy: (e, a) => e.removeCopy(a[0] as string),
  findPatients: (e, a) => e.findPatients(a[0] as any),
  sendTestAlert: (e, a) => e.sendTestAlert(a[0] as string),
  init: (e, a) => e.init(a[0] as any),
  backupNow: (e, _a, o) => e.backupNow(o),
  snapshots: (e) => e.snapshots(),
  snapshot: (e, a) => e.snapshot(a[0] as string),
  check: (e, a, o) => e.check({ ...((a[0] as object | undefined) ?? {}), ...o }),
  stats: (e) => e.stats(),
  ls: (e, a) => e.ls(a[0] as any),
  dump: async (e, a) => {
    const r = await e.dump(a[0] as string, a[1] as string);
    return { snapshotId: r.snapshotId, text: r.bytes.toString('utf8') };
  },
  planRestoreToFolder: (e, a, o) => e.planRestoreToFolder(a[0] as any, o),
  planRestoreToServer: (e, a, o) => e.planRestoreToServer(a[0] as any, o),
  restoreToServer: (e, a, o) => e.restoreToServer(a[0] as any, o),
  restoreToFolder: (e, a, o) => e.restoreToFolder(a[0] as any, o),
  recoveryKitStatus: (e) => e.recoveryKitStatus(),
  confirmRecoveryKit: (e, a) => e.confirmRecoveryKit(a[0] as any),
  recoveryKit: (e, a) => e.recoveryKit(a[0] as any),
  rotateRecoveryKey: (e, a) => e.rotateRecoveryKey(a[0] as any),
  listKeys: (e) => e.listKeys(),
  listSecrets: (e) => e.listSecrets(),
  setSecret: async (e, a) => {
    await e.setSecret(a[0] as string, a[1] as string);
    return { name: a[0] };
  },
  deleteSecret: async (e, a) => ({ name: a[0], deleted: await e.deleteSecret(a[0] as string) }),
  auditLog: (e, a) => e.auditLog(a[0] as number | undefined),
  runDrill: (e, _a, o) => {
    const d = e as MaybeFeatures;
    if (typeof d.drill !== 'function') throw unavailable('runDrill');
    return d.drill({}, o);
  },
  listDrills: (e) => {
    const d = e as MaybeFeatures;
    if (typeof d.listDrills !== 'function') throw unavailable('listDrills');
    return d.listDrills();
  },
  /** The report as HTML only (the PDF stays on the host; the page prints the HTML). */
  drillReport: async (e, a) => {
    const d = e as MaybeFeatures;
    if (typeof d.drillReport !== 'function') throw unavailable('drillReport');
    const r = await d.drillReport(a[0] as number);
    return { html: r.html };
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */

export class EngineHost {
  private engine: Engine;
  private engineLocale: Locale;
  private wantedLocale: Locale;
  private repo: string;
  private unsubscribe: () => void;
  private inFlight = 0;
  private readonly listeners = new Listeners<EngineEvent>();
  private readonly make: (options: EngineOptions) => Engine;

  constructor(private readonly options: HostOptions) {
    this.make = options.createEngine ?? createEngine;
    this.repo = options.repo;
    this.engineLocale = this.wantedLocale = options.locale;
    this.engine = this.make({ ...options.engine, repo: this.repo, locale: this.engineLocale });
    this.unsubscribe = this.engine.subscribe((e) => this.emit(e));
  }

  get locale(): Locale {
    return this.wantedLocale;
  }

  info(): HostInfo {
    const e = this.options.engine;
    return { location: this.engine.location, mode: this.options.mode, version: TOOL_VERSION, locale: this.wantedLocale, useKeychain: e.secretStore !== undefined || !e.passwordFile };
  }

  /** Adopts the language saved in the repository's settings, when there is a repository. */
  async adoptSettingsLanguage(): Promise<void> {
    const r = await this.call('getSettings', []);
    if (r.ok) this.setLocale((r.value as { language: Locale }).language);
  }

  /** Texts the engine writes (status reasons, alerts) follow the UI language; the engine is renewed when idle. */
  setLocale(locale: Locale): void {
    this.wantedLocale = locale;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  private emit(event: EngineEvent): void {
    this.listeners.emit(event);
  }

  private async replaceEngine(repo: string, locale: Locale): Promise<void> {
    const wasScheduling = this.scheduler !== null;
    await this.stopScheduler();
    this.unsubscribe();
    await this.engine.close().catch(() => undefined);
    this.repo = repo;
    this.engineLocale = locale;
    this.engine = this.make({ ...this.options.engine, repo, locale });
    this.unsubscribe = this.engine.subscribe((e) => this.emit(e));
    if (wasScheduling) this.startScheduler();
  }

  /** Runs one call from the user interface. Never throws: errors come back as ErrorInfo in `locale`. */
  async call(method: string, args: readonly unknown[], locale: Locale = this.wantedLocale): Promise<CallResult> {
    const result = await this.run(method, args, locale);
    try {
      this.options.onCallResult?.(method, result);
    } catch {
      // an observer must not change the answer
    }
    return result;
  }

  private async run(method: string, args: readonly unknown[], locale: Locale): Promise<CallResult> {
    const reason = checkApiCall(method, args);
    if (reason !== null) return { ok: false, error: toErrorInfo(new EngineError('INVALID_ARGUMENT', { field: method, reason }), locale) };
    try {
      if (method === 'hostInfo') return { ok: true, value: this.info() };
      if (method === 'openRepository') return { ok: true, value: await this.openRepository((args[0] as { path: string }).path) };
      if (method === 'getDesktopSettings' || method === 'updateDesktopSettings') {
        const extension = this.options.extensions?.[method];
        if (!extension) throw unavailable(method);
        return { ok: true, value: await extension(args) };
      }
      if (this.inFlight === 0 && this.engineLocale !== this.wantedLocale) await this.replaceEngine(this.repo, this.wantedLocale);
      const spec = API_METHODS[method];
      const dispatch = DISPATCH[method];
      if (!spec || !dispatch) throw new EngineError('INVALID_ARGUMENT', { field: 'method', reason: `unknown method ${method}` });
      const options: LongOperationOptions = spec.long ? { onProgress: (e) => this.emit(e) } : {};
      this.inFlight++;
      try {
        const value = await dispatch(this.engine, args, options);
        if (method === 'updateSettings') {
          this.setLocale((value as { language: Locale }).language);
          this.emit({ type: 'status-changed' });
        }
        if (method === 'init' || method === 'confirmRecoveryKit' || method === 'openRepository') this.emit({ type: 'status-changed' });
        return { ok: true, value: value ?? null };
      } finally {
        this.inFlight--;
      }
    } catch (err) {
      return { ok: false, error: toErrorInfo(err, locale) };
    }
  }

  private async openRepository(repo: string): Promise<HostInfo> {
    if (this.inFlight > 0) throw new EngineError('REPO_LOCKED', { owner: 'Clinic Backup', since: '—', staleAfter: '—' });
    await this.replaceEngine(repo, this.wantedLocale);
    this.options.onRepositoryChanged?.(this.engine.location);
    await this.adoptSettingsLanguage();
    this.emit({ type: 'status-changed' });
    return this.info();
  }

  private scheduler: { controller: AbortController; done: Promise<void> } | null = null;
  private schedulerListener: ((event: SchedulerEvent | { type: 'scheduler-stopped'; error: ErrorInfo | null }) => void) | null = null;

  /**
   * Runs the engine's scheduler (backups, checks, drills, alerts on their schedules, with catch-up of missed
   * runs) until stopScheduler(); it follows the engine when the repository or language changes. Host-side only:
   * the renderer cannot start or stop it.
   */
  startScheduler(listener?: (event: SchedulerEvent | { type: 'scheduler-stopped'; error: ErrorInfo | null }) => void): boolean {
    if (listener) this.schedulerListener = listener;
    if (this.scheduler) return true;
    const run = (this.engine as MaybeFeatures).runScheduler;
    if (typeof run !== 'function') return false;
    const controller = new AbortController();
    const notify = (e: SchedulerEvent | { type: 'scheduler-stopped'; error: ErrorInfo | null }): void => {
      try {
        this.schedulerListener?.(e);
      } catch {
        // a listener must not stop the scheduler
      }
    };
    const done = run
      .call(this.engine, { signal: controller.signal, onEvent: notify })
      .then(
        () => notify({ type: 'scheduler-stopped', error: null }),
        (err: unknown) => notify({ type: 'scheduler-stopped', error: toErrorInfo(err, this.wantedLocale) }),
      )
      .finally(() => {
        if (this.scheduler?.controller === controller) this.scheduler = null;
      });
    this.scheduler = { controller, done };
    return true;
  }

  async stopScheduler(): Promise<void> {
    const s = this.scheduler;
    if (!s) return;
    s.controller.abort();
    await s.done;
  }

  get schedulerRunning(): boolean {
    return this.scheduler !== null;
  }

  /** Whether a call is running (the desktop app pauses nothing while one is). */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  async close(): Promise<void> {
    await this.stopScheduler();
    this.unsubscribe();
    this.listeners.clear();
    await this.engine.close();
  }
}
