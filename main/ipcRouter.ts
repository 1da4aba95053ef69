/**
 * The IPC router: the only door from the renderer into the main process. One channel, one payload shape
 * ({method, args, locale}); the sender must be our own window's main frame showing our own page, and the call
 * must pass the API contract (src/shared/api.ts). Answers are CallResult data (never thrown errors); events go out
 * on another channel.
 */
import { toErrorInfo, type Locale } from '../src/index.js';
import { checkApiCall, type CallResult } from '../src/shared/api.js';
import type { EngineEvent } from '../src/shared/contract.js';
import { EngineError } from '../src/shared/errors.js';

export const CALL_CHANNEL = 'clinic-backup:call';
export const EVENT_CHANNEL = 'clinic-backup:event';

/** The parts of an IpcMainInvokeEvent the router reads. */
export interface InvokeEventLike {
  readonly sender: { readonly id: number };
  readonly senderFrame: { readonly url: string; readonly parent: unknown } | null;
}

/** The parts of ipcMain the router uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcRouterOptions {
  readonly ipcMain: IpcMainLike;
  readonly call: (method: string, args: readonly unknown[], locale: Locale) => Promise<CallResult>;
  /** webContents ids of our own windows. */
  readonly isOurWindow: (webContentsId: number) => boolean;
  /** The origin our page is served from, e.g. "app://clinic-backup". */
  readonly appOrigin: string;
  readonly locale: () => Locale;
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.origin !== 'null' ? u.origin : `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

/** Null when the sender may call; otherwise why not. */
export function checkSender(event: InvokeEventLike, options: Pick<IpcRouterOptions, 'isOurWindow' | 'appOrigin'>): string | null {
  if (!options.isOurWindow(event.sender.id)) return 'not one of our windows';
  const frame = event.senderFrame;
  if (!frame) return 'no sender frame';
  if (frame.parent !== null && frame.parent !== undefined) return 'a subframe';
  if (originOf(frame.url) !== options.appOrigin) return 'a foreign page';
  return null;
}

/** Null when the payload is {method, args, locale?} with an acceptable call. */
export function checkPayload(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload must be an object';
  const p = payload as Record<string, unknown>;
  for (const k of Object.keys(p)) if (k !== 'method' && k !== 'args' && k !== 'locale') return `payload.${k} is not accepted`;
  if (p['locale'] !== undefined && p['locale'] !== 'pt-BR' && p['locale'] !== 'en') return 'payload.locale';
  return checkApiCall(p['method'], p['args']);
}

export function installIpcRouter(options: IpcRouterOptions): () => void {
  options.ipcMain.handle(CALL_CHANNEL, async (event, ...rest): Promise<CallResult> => {
    const locale = options.locale();
    const senderProblem = checkSender(event, options);
    if (senderProblem !== null) return { ok: false, error: toErrorInfo(new EngineError('FORBIDDEN_ORIGIN', { reason: senderProblem }), locale) };
    const payload = rest[0];
    const payloadProblem = rest.length === 1 ? checkPayload(payload) : 'one payload expected';
    if (payloadProblem !== null) return { ok: false, error: toErrorInfo(new EngineError('INVALID_ARGUMENT', { field: 'payload', reason: payloadProblem }), locale) };
    const p = payload as { method: string; args: unknown[]; locale?: Locale };
    return options.call(p.method, p.args, p.locale ?? locale);
  });
  return () => options.ipcMain.removeHandler(CALL_CHANNEL);
}

/** The parts of a WebContents the event fan-out uses. */
export interface EventTarget {
  isDestroyed(): boolean;
  send(channel: string, event: EngineEvent): void;
}

/** Sends engine events to our windows (events never carry secrets). */
export function forwardEvents(subscribe: (listener: (e: EngineEvent) => void) => () => void, targets: () => readonly EventTarget[]): () => void {
  return subscribe((event) => {
    for (const t of targets()) if (!t.isDestroyed()) t.send(EVENT_CHANNEL, event);
  });
}
