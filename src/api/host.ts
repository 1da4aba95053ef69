/**
 * The engine as the user interface sees it: one Engine for the chosen repository folder, the calls of the API
 * contract (src/shared/api.ts) dispatched to it, errors turned into ErrorInfo data, and its events (progress,
 * tasks, runs) fanned out to subscribers (SSE clients, the IPC router, metrics, the tray).
 * No decisions: every rule is in the engine. The host only owns *which* repository the UI works on.
 */
import { createEngine, defaultStateDir, saveClinicPassphrase, toErrorInfo, TOOL_VERSION, type Engine, type EngineOptions, type Locale } from '../index.js';
import {
  API,
  type ApiArgs,
  type ApiMethodName,
  type ApiResult,
  type CallResult,
  type DesktopSettings,
  EngineError,
  type EngineEvent,
  type ErrorInfo,
  type HostInfo,
  isApiMethod,
  Listeners,
} from '../shared/index.js';

export type { CallResult } from '../shared/index.js';
export type { HostInfo } from '../shared/index.js';

/** The desktop app's own methods (start at login, pause on battery); serve has none and answers NOT_FOUND. */
export interface HostExtensions {
  readonly getDesktopSettings?: () => Promise<DesktopSettings>;
  readonly updateDesktopSettings?: (patch: Partial<DesktopSettings>) => Promise<DesktopSettings>;
  /** The operating system's folder dialog (desktop app): the chosen folder, or null when closed without a choice. */
  readonly chooseFolder?: () => Promise<{ path: string | null }>;
}

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
  readonly extensions?: HostExtensions;
  /** Told the outcome of every call (the desktop app notifies a failed backup with its message). */
  readonly onCallResult?: (method: string, result: CallResult) => void;
}

/** What the scheduler reports (started/finished jobs). */
export type SchedulerEvent = Parameters<NonNullable<Parameters<Engine['runScheduler']>[0]['onEvent']>>[0];

function unavailable(feature: string): EngineError {
  return new EngineError('NOT_FOUND', { what: feature, feature });
}

/** What a handler may use: the engine of the moment and the host's own operations. */
interface HostPort {
  readonly engine: Engine;
  info(): HostInfo;
  openRepository(path: string): Promise<HostInfo>;
  useClinicPassphrase(passphrase: string): Promise<HostInfo>;
  setLocale(locale: Locale): void;
  emit(event: EngineEvent): void;
  readonly extensions: HostExtensions;
}

type Handler<M extends ApiMethodName> = (host: HostPort, args: ApiArgs<M>) => Promise<ApiResult<M>>;

/** One handler per method of the contract (the compiler refuses a missing one or a wrong argument or result). */
const DISPATCH: { readonly [M in ApiMethodName]: Handler<M> } = {
  hostInfo: async (h) => h.info(),
  openRepository: (h, [request]) => h.openRepository(request.path),
  keychainStatus: async (h) => ({ keychain: await h.engine.keychainStatus() }),
  chooseFolder: async (h) => {
    const choose = h.extensions.chooseFolder;
    if (!choose) throw unavailable('chooseFolder');
    return choose();
  },
  useClinicPassphrase: (h, [request]) => h.useClinicPassphrase(request.passphrase),
  connectWithKit: async (h, [request]) => {
    // The key for this computer goes where its other keys go: the keychain, else the passphrase file in use.
    const useKeychain = (await h.engine.keychainStatus()) === 'available';
    const r = await h.engine.connect({ recoveryKey: request.recoveryKey, useKeychain });
    h.emit({ type: 'status-changed' });
    return r;
  },
  getDesktopSettings: async (h) => {
    const get = h.extensions.getDesktopSettings;
    if (!get) throw unavailable('getDesktopSettings');
    return get();
  },
  updateDesktopSettings: async (h, [patch]) => {
    const update = h.extensions.updateDesktopSettings;
    if (!update) throw unavailable('updateDesktopSettings');
    return update(patch);
  },
  status: (h) => h.engine.status(),
  getSettings: (h) => h.engine.getSettings(),
  updateSettings: async (h, [patch]) => {
    const settings = await h.engine.updateSettings(patch);
    // Texts the engine writes follow the language chosen in the settings.
    h.setLocale(settings.language);
    h.emit({ type: 'status-changed' });
    return settings;
  },
  probeSource: (h, [request]) => h.engine.probeSource(request),
  detectDestinations: (h) => h.engine.detectDestinations(),
  offsiteProviders: async (h) => h.engine.offsiteProviders(),
  browseFolders: (h, [request]) => h.engine.browseFolders(request ?? {}),
  addCopy: (h, [request]) => h.engine.addCopy(request),
  removeCopy: (h, [location]) => h.engine.removeCopy(location),
  findPatients: (h, [request]) => h.engine.findPatients(request),
  sendTestAlert: (h, [channel]) => h.engine.sendTestAlert(channel),
  alertChannelHealth: (h) => h.engine.alertChannelHealth(),
  init: async (h, [request]) => {
    const r = await h.engine.init(request);
    h.emit({ type: 'status-changed' });
    return r;
  },
  backupNow: (h) => h.engine.backupNow(),
  snapshots: (h) => h.engine.snapshots(),
  snapshot: (h, [ref]) => h.engine.snapshot(ref),
  check: (h, [options]) => h.engine.check(options ?? {}),
  stats: (h) => h.engine.stats(),
  ls: (h, [scope]) => h.engine.ls(scope),
  dump: async (h, [snapshot, reference]) => {
    const r = await h.engine.dump(snapshot, reference);
    return { snapshotId: r.snapshotId, text: r.bytes.toString('utf8') };
  },
  planRestoreToFolder: (h, [scope]) => h.engine.planRestoreToFolder(scope),
  planRestoreToServer: (h, [request]) => h.engine.planRestoreToServer(request),
  restoreToServer: (h, [request]) => h.engine.restoreToServer(request),
  restoreToFolder: (h, [request]) => h.engine.restoreToFolder(request),
  recoveryKitStatus: (h) => h.engine.recoveryKitStatus(),
  confirmRecoveryKit: async (h, [answers]) => {
    const r = await h.engine.confirmRecoveryKit(answers);
    h.emit({ type: 'status-changed' });
    return r;
  },
  recoveryKit: (h, [language]) => h.engine.recoveryKit(language),
  rotateRecoveryKey: (h, [request]) => h.engine.rotateRecoveryKey(request),
  listKeys: (h) => h.engine.listKeys(),
  listSecrets: (h) => h.engine.listSecrets(),
  setSecret: async (h, [name, value]) => {
    await h.engine.setSecret(name, value);
    return { name };
  },
  deleteSecret: async (h, [name]) => ({ name, deleted: await h.engine.deleteSecret(name) }),
  auditLog: (h, [limit]) => h.engine.auditLog(limit),
  listSources: (h) => h.engine.listSources(),
  addSource: (h, [source]) => h.engine.addSource(source),
  removeSource: (h, [name]) => h.engine.removeSource(name),
  backupSource: (h, [name]) => h.engine.backupSource(name),
  backupAllSources: (h) => h.engine.backupAllSources(),
  listFiles: (h, [request]) => h.engine.listFiles(request),
  planRestoreFiles: (h, [request]) => h.engine.planRestoreFiles(request),
  restoreFiles: (h, [request]) => h.engine.restoreFiles(request),
  testDatabaseDump: (h, [request]) => h.engine.testDatabaseDump(request),
  restoreDatabase: (h, [request]) => h.engine.restoreDatabase(request),
  runSourceDrill: (h, [request]) => h.engine.drillSource(request),
  runDrill: (h) => h.engine.drill({}),
  listDrills: (h) => h.engine.listDrills(),
  drillReport: async (h, [id]) => ({ html: (await h.engine.drillReport(id)).html }),
  previewRetention: (h) => h.engine.forget({ dryRun: true }),
  getPeople: (h) => h.engine.getPeople(),
  updatePeople: (h, [patch]) => h.engine.updatePeople(patch),
  listIncidents: (h) => h.engine.listIncidents(),
  recordIncident: (h, [incident]) => h.engine.recordIncident(incident),
  updateIncident: (h, [id, incident]) => h.engine.updateIncident(id, incident),
  configurationReport: async (h, [kind]) => {
    const r = await h.engine.configurationReport(kind);
    return { html: r.html, pdfBase64: r.pdf.toString('base64') };
  },
  listTasks: async (h) => h.engine.tasks(),
  cancelTask: async (h, [id]) => h.engine.cancelTask(id),
};

/** Methods that work whatever the engine's language (the engine is renewed in the new language only when idle). */
const NO_ENGINE_RENEWAL: ReadonlySet<ApiMethodName> = new Set(['hostInfo', 'openRepository', 'getDesktopSettings', 'updateDesktopSettings', 'listTasks', 'cancelTask']);

export class EngineHost {
  private engine: Engine;
  private engineLocale: Locale;
  private wantedLocale: Locale;
  private repo: string;
  /** The engine options; a clinic passphrase chosen in the wizard (no keychain) is added to them. */
  private engineOptions: Omit<EngineOptions, 'repo' | 'locale'>;
  private unsubscribe: () => void;
  private inFlight = 0;
  private readonly listeners = new Listeners<EngineEvent>();
  private readonly make: (options: EngineOptions) => Engine;

  constructor(private readonly options: HostOptions) {
    this.make = options.createEngine ?? createEngine;
    this.repo = options.repo;
    this.engineLocale = this.wantedLocale = options.locale;
    this.engineOptions = options.engine;
    this.engine = this.make({ ...this.engineOptions, repo: this.repo, locale: this.engineLocale });
    this.unsubscribe = this.engine.subscribe((e) => this.emit(e));
  }

  get locale(): Locale {
    return this.wantedLocale;
  }

  info(): HostInfo {
    const e = this.engineOptions;
    return { location: this.engine.location, mode: this.options.mode, version: TOOL_VERSION, locale: this.wantedLocale, useKeychain: e.secretStore !== undefined || !e.passwordFile };
  }

  /** Adopts the language saved in the repository's settings, when there is a repository. */
  async adoptSettingsLanguage(): Promise<void> {
    const r = await this.request('getSettings', []);
    if (r.ok) this.setLocale(r.value.language);
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
    try {
      await this.engine.close();
    } catch (err) {
      // The old engine's files are released as far as they can be; the new engine opens its own.
      this.emit({ type: 'diagnostic', level: 'warning', what: 'close engine', errorCode: err instanceof EngineError ? err.code : 'INTERNAL' });
    }
    this.repo = repo;
    this.engineLocale = locale;
    this.engine = this.make({ ...this.engineOptions, repo, locale });
    this.unsubscribe = this.engine.subscribe((e) => this.emit(e));
    if (wasScheduling) this.startScheduler();
  }

  /** Runs one call from the user interface. Never throws: errors come back as ErrorInfo in `locale`. */
  async call(method: string, args: readonly unknown[], locale: Locale = this.wantedLocale): Promise<CallResult> {
    return this.observed(method, await this.run(method, args, locale));
  }

  /** A drill report as a PDF file, for the "Salvar PDF" button of the report page (not an API call: bytes, not JSON). */
  async drillReportPdf(id: number): Promise<CallResult<Buffer>> {
    try {
      return { ok: true, value: (await this.engine.drillReport(id)).pdf };
    } catch (err) {
      return { ok: false, error: toErrorInfo(err, this.wantedLocale) };
    }
  }

  /** A typed call from the host's own side (tray, metrics, report pages), observed like the others. */
  async request<M extends ApiMethodName>(method: M, args: ApiArgs<M>, locale: Locale = this.wantedLocale): Promise<CallResult<ApiResult<M>>> {
    return this.observed(method, await this.invoke(method, args, locale));
  }

  private observed<R extends CallResult>(method: string, result: R): R {
    try {
      this.options.onCallResult?.(method, result);
    } catch (err) {
      // An observer must not change the answer; the logs say it failed.
      this.emit({ type: 'diagnostic', level: 'warning', what: 'call observer', errorCode: err instanceof EngineError ? err.code : 'INTERNAL' });
    }
    return result;
  }

  private async run(method: string, args: readonly unknown[], locale: Locale): Promise<CallResult> {
    if (!isApiMethod(method)) return { ok: false, error: toErrorInfo(new EngineError('INVALID_ARGUMENT', { field: method.slice(0, 64), reason: `unknown method ${method.slice(0, 64)}` }), locale) };
    if (!Array.isArray(args) || args.length > 4) return { ok: false, error: toErrorInfo(new EngineError('INVALID_ARGUMENT', { field: method, reason: 'arguments must be an array' }), locale) };
    return this.invoke(method, args, locale);
  }

  private async invoke<M extends ApiMethodName>(method: M, args: readonly unknown[], locale: Locale): Promise<CallResult<ApiResult<M>>> {
    const def = API[method];
    if (!def.accepts(args)) return { ok: false, error: toErrorInfo(new EngineError('INVALID_ARGUMENT', { field: method, reason: def.problem(args) ?? 'arguments' }), locale) };
    try {
      if (!NO_ENGINE_RENEWAL.has(method) && this.inFlight === 0 && this.engineLocale !== this.wantedLocale) await this.replaceEngine(this.repo, this.wantedLocale);
      const handler: Handler<M> = DISPATCH[method];
      this.inFlight++;
      try {
        return { ok: true, value: await handler(this.port(), args) };
      } finally {
        this.inFlight--;
      }
    } catch (err) {
      return { ok: false, error: toErrorInfo(err, locale) };
    }
  }

  private port(): HostPort {
    return {
      engine: this.engine,
      info: () => this.info(),
      openRepository: (path) => this.openRepository(path),
      useClinicPassphrase: (passphrase) => this.useClinicPassphrase(passphrase),
      setLocale: (l) => this.setLocale(l),
      emit: (e) => this.emit(e),
      extensions: this.options.extensions ?? {},
    };
  }

  /**
   * A computer without a keychain: the passphrase the clinic chose is kept in an owner-only file (the engine
   * decides where and how) and from now on this host opens repositories and keeps credentials with it.
   */
  private async useClinicPassphrase(passphrase: string): Promise<HostInfo> {
    if (this.inFlight > 1) throw new EngineError('REPO_LOCKED', { owner: 'Clinic Backup', since: '—', staleAfter: '—' });
    const paths = await saveClinicPassphrase(this.engineOptions.stateDir ?? defaultStateDir(), passphrase);
    this.engineOptions = { ...this.engineOptions, ...paths };
    await this.replaceEngine(this.repo, this.wantedLocale);
    this.emit({ type: 'status-changed' });
    return this.info();
  }

  private async openRepository(repo: string): Promise<HostInfo> {
    // Counted in flight itself: another call still running is what refuses.
    if (this.inFlight > 1) throw new EngineError('REPO_LOCKED', { owner: 'Clinic Backup', since: '—', staleAfter: '—' });
    await this.replaceEngine(repo, this.wantedLocale);
    this.options.onRepositoryChanged?.(this.engine.location);
    await this.adoptSettingsLanguage();
    this.emit({ type: 'status-changed' });
    return this.info();
  }

  private scheduler: { controller: AbortController; done: Promise<void> } | null = null;
  private schedulerListener: ((event: SchedulerEvent | { type: 'scheduler-stopped'; error: ErrorInfo | null }) => void) | null = null;

  /**
   * Runs the engine's scheduler (backups, checks, alerts on their schedules, with catch-up of missed runs) until
   * stopScheduler(); it follows the engine when the repository or language changes. Host-side only: the renderer
   * cannot start or stop it (it can cancel a running job like any task).
   */
  startScheduler(listener?: (event: SchedulerEvent | { type: 'scheduler-stopped'; error: ErrorInfo | null }) => void): boolean {
    if (listener) this.schedulerListener = listener;
    if (this.scheduler) return true;
    const controller = new AbortController();
    const notify = (e: SchedulerEvent | { type: 'scheduler-stopped'; error: ErrorInfo | null }): void => {
      try {
        this.schedulerListener?.(e);
      } catch (err) {
        // A listener must not stop the scheduler; the logs say it failed.
        this.emit({ type: 'diagnostic', level: 'warning', what: 'scheduler listener', errorCode: err instanceof EngineError ? err.code : 'INTERNAL' });
      }
    };
    const done = this.engine
      .runScheduler({ signal: controller.signal, onEvent: notify })
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
