/**
 * The one API client of the user interface, with two transports:
 *  - Electron: the preload's `window.clinicBackup` (IPC, validated by main/ipcRouter.ts);
 *  - serve: HTTP POST /api/<method> with the session cookie, and Server-Sent Events from /api/events.
 * Both carry the same calls (apiSchema.ts) and the same events, as plain data. Errors arrive as ErrorInfo and
 * are thrown here as ApiError so screens can show the message and its fix.
 */
import type {
  AddCopyRequest,
  AddCopyResult,
  AppSettings,
  AuditLogEntry,
  BackupResult,
  CheckResult,
  DetectedDestination,
  EngineEvent,
  FhirRestoreResult,
  FolderRestorePlan,
  InitRequest,
  InitResult,
  PatientMatch,
  RecoveryKitWords,
  ResourceListing,
  RestorePlan,
  RestoreResult,
  RestoreScopeRequest,
  SnapshotSummary,
  SourceAuthSetting,
  SourceProbe,
  StatusSummary,
} from '../../../src/shared/contract.js';
import type { ErrorInfo } from '../../../src/shared/errors.js';

export type Locale = 'pt-BR' | 'en';

export interface HostInfo {
  readonly location: string;
  readonly mode: 'serve' | 'electron';
  readonly version: string;
  readonly locale: Locale;
  readonly useKeychain: boolean;
}

export interface DesktopSettings {
  readonly startAtLogin: boolean;
  readonly pauseOnBattery: boolean;
}

export interface ServerRestoreRequest extends RestoreScopeRequest {
  readonly target: string;
  readonly auth: SourceAuthSetting;
}

/** A drill as the engine lists it. */
export interface DrillSummary {
  readonly id: number;
  readonly startedAt: string;
  readonly status: string;
  readonly integrityScore: number | null;
  readonly recoveryTimeMs: number | null;
  readonly resourcesRestored: number;
}

export interface DrillOutcome {
  readonly id: number;
  readonly status: string;
  readonly integrityScore: number | null;
  readonly recoveryTimeMs: number | null;
  readonly resourcesRestored: number;
  readonly usedCopy: string | null;
}

/** Every call the screens make, with its arguments and result. */
export interface ApiMethods {
  hostInfo(): HostInfo;
  openRepository(request: { path: string }): HostInfo;
  status(): StatusSummary;
  getSettings(): AppSettings;
  updateSettings(patch: Partial<AppSettings>): AppSettings;
  probeSource(request: { source: string; auth: SourceAuthSetting }): SourceProbe;
  detectDestinations(): DetectedDestination[];
  addCopy(request: AddCopyRequest): AddCopyResult;
  removeCopy(location: string): { removed: boolean };
  findPatients(request: { snapshot?: string; query: string; limit?: number }): { snapshotId: string; patients: PatientMatch[]; total: number };
  sendTestAlert(channel: 'email' | 'webhook'): { channel: string; sentAt: string };
  init(request: InitRequest): InitResult;
  backupNow(): BackupResult & { strategy: string; requests: number };
  snapshots(): SnapshotSummary[];
  check(options?: { readData?: boolean }): CheckResult;
  ls(scope: RestoreScopeRequest): { snapshotId: string; resources: ResourceListing[] };
  dump(snapshot: string, reference: string): { snapshotId: string; text: string };
  planRestoreToFolder(request: RestoreScopeRequest): FolderRestorePlan;
  planRestoreToServer(request: ServerRestoreRequest): RestorePlan;
  restoreToServer(request: ServerRestoreRequest & { confirmed: true; verify?: 'none' | 'sample' | 'all' }): FhirRestoreResult & { plan: RestorePlan };
  restoreToFolder(request: RestoreScopeRequest & { target: string; confirmed: true; overwrite?: boolean }): RestoreResult;
  recoveryKitStatus(): { confirmed: boolean; confirmedAt: string | null; createdAt: string | null; positions: [number, number] | null };
  confirmRecoveryKit(answers: { position: number; word: string }[]): { confirmedAt: string };
  /** The current recovery key (the same words every time). */
  recoveryKit(language?: Locale): RecoveryKitWords;
  /** A new recovery key: the printed kit stops working. Only after the user typed the confirmation. */
  rotateRecoveryKey(request: { confirmed: true; language?: Locale }): RecoveryKitWords;
  listSecrets(): string[];
  setSecret(name: string, value: string): { name: string };
  deleteSecret(name: string): { name: string; deleted: boolean };
  auditLog(limit?: number): AuditLogEntry[];
  runDrill(): DrillOutcome;
  listDrills(): DrillSummary[];
  drillReport(id: number): { html: string };
  getDesktopSettings(): DesktopSettings;
  updateDesktopSettings(patch: Partial<DesktopSettings>): DesktopSettings;
}

export type ApiMethodName = keyof ApiMethods;

/** An engine error as the screens see it. */
export class ApiError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
  }
  get code(): string {
    return this.info.code;
  }
}

export function isApiError(err: unknown, code?: string): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.info.code === code);
}

/** True when the engine answered that a feature is not in this version (drills before their module lands). */
export function isUnavailable(err: unknown): boolean {
  return isApiError(err, 'NOT_FOUND') && typeof err.info.details?.['feature'] === 'string';
}

type CallResult = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };

export interface Transport {
  readonly kind: 'electron' | 'http';
  call(method: string, args: unknown[], locale: Locale): Promise<CallResult>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

/** What the preload exposes (main/preload.cts). */
export interface PreloadBridge {
  call(method: string, args: unknown[], locale?: Locale): Promise<CallResult>;
  onEvent(listener: (event: unknown) => void): () => void;
}

function connectionError(locale: Locale): CallResult {
  const message = locale === 'en' ? 'No connection to Clinic Backup. Is it still running?' : 'Sem conexão com o Clinic Backup. Ele ainda está em execução?';
  return { ok: false, error: { code: 'INTERNAL', message, details: { reason: 'connection' } } };
}

export function electronTransport(bridge: PreloadBridge): Transport {
  return {
    kind: 'electron',
    call: (method, args, locale) => bridge.call(method, args, locale),
    subscribe: (listener) => bridge.onEvent((e) => listener(e as EngineEvent)),
  };
}

export function httpTransport(base = ''): Transport {
  const listeners = new Set<(event: EngineEvent) => void>();
  let source: EventSource | null = null;
  const open = (): void => {
    if (source || typeof EventSource === 'undefined') return;
    source = new EventSource(`${base}/api/events`);
    source.onmessage = (m: { data: string }) => {
      let event: EngineEvent;
      try {
        event = JSON.parse(m.data) as EngineEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    };
  };
  return {
    kind: 'http',
    async call(method, args, locale) {
      let res: Response;
      try {
        res = await fetch(`${base}/api/${encodeURIComponent(method)}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-Clinic-Locale': locale },
          body: JSON.stringify({ args }),
        });
      } catch {
        return connectionError(locale);
      }
      const body = (await res.json().catch(() => null)) as { value?: unknown; error?: ErrorInfo } | null;
      if (!body) return connectionError(locale);
      return body.error ? { ok: false, error: body.error } : { ok: true, value: body.value ?? null };
    },
    subscribe(listener) {
      listeners.add(listener);
      open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
  };
}

export interface ApiClient {
  readonly transport: Transport['kind'];
  call<M extends ApiMethodName>(method: M, ...args: Parameters<ApiMethods[M]>): Promise<ReturnType<ApiMethods[M]>>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  setLocale(locale: Locale): void;
}

export function createClient(transport: Transport, initialLocale: Locale): ApiClient {
  let locale = initialLocale;
  return {
    transport: transport.kind,
    async call(method, ...args) {
      const r = await transport.call(method, args, locale);
      if (!r.ok) throw new ApiError(r.error);
      return r.value as never;
    },
    subscribe: (listener) => transport.subscribe(listener),
    setLocale(l) {
      locale = l;
    },
  };
}

/** The transport of this window: the preload's bridge inside Electron, HTTP + SSE in a browser. */
export function defaultTransport(): Transport {
  // contextBridge puts the bridge on the page's global object (window).
  const bridge = (globalThis as { clinicBackup?: PreloadBridge }).clinicBackup;
  return bridge ? electronTransport(bridge) : httpTransport();
}
