/**
 * The one API client of the user interface, with two transports:
 *  - Electron: the preload's `window.clinicBackup` (IPC, validated by main/ipcRouter.ts);
 *  - serve: HTTP POST /api/<method> with the session cookie, and Server-Sent Events from /api/events.
 * Both carry the same calls (the API contract, src/shared/api.ts: the method names, arguments and results are its
 * types) and the same events, as plain data. Errors arrive as ErrorInfo and are thrown here as ApiError so screens
 * can show the message and its fix.
 */
import type { ApiArgs, ApiMethodName, ApiResult, CallResult, PreloadBridge } from '../../../src/shared/api.js';
import type { EngineEvent } from '../../../src/shared/contract.js';
import type { ErrorInfo } from '../../../src/shared/errors.js';

export type { ApiMethodName, PreloadBridge } from '../../../src/shared/api.js';
export type { DesktopSettings, HostInfo, ServerRestoreRequest } from '../../../src/shared/contract.js';
export type { DrillRunResult, DrillSummary } from '../../../src/shared/drill.js';

export type Locale = 'pt-BR' | 'en';

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

export interface Transport {
  readonly kind: 'electron' | 'http';
  call(method: string, args: unknown[], locale: Locale): Promise<CallResult>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
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

/**
 * HTTP + SSE to `serve`. In the browser the session cookie authenticates; a caller outside the browser (an IT
 * helper's script, the contract tests) passes the token instead.
 */
export function httpTransport(base = '', options: { token?: string } = {}): Transport {
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
          headers: { 'Content-Type': 'application/json', 'X-Clinic-Locale': locale, ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
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
  call<M extends ApiMethodName>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>>;
  subscribe(listener: (event: EngineEvent) => void): () => void;
  setLocale(locale: Locale): void;
}

export function createClient(transport: Transport, initialLocale: Locale): ApiClient {
  let locale = initialLocale;
  return {
    transport: transport.kind,
    async call<M extends ApiMethodName>(method: M, ...args: ApiArgs<M>): Promise<ApiResult<M>> {
      const r = await transport.call(method, [...args], locale);
      if (!r.ok) throw new ApiError(r.error);
      // The host answered this method: its value is the method's result (the contract is the same on both sides).
      return r.value as ApiResult<M>;
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
