/** App-wide state: the API client, host info, the latest status, live progress and running tasks from events, the route. */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { EngineEvent, StatusSummary, TaskInfo } from '../../../src/shared/contract.js';
import type { ProgressEvent } from '../../../src/shared/events.js';
import { isApiError, type ApiClient, type HostInfo } from '../api/client';
import { setClinicTimeZone } from '../i18n';

export type Route = 'welcome' | 'connect' | 'setup' | 'dashboard' | 'restore' | 'drills' | 'destinations' | 'settings' | 'audit' | 'people';
export const ROUTES: readonly Route[] = ['welcome', 'connect', 'setup', 'dashboard', 'restore', 'drills', 'destinations', 'settings', 'audit', 'people'];

/**
 * Status errors that mean "no repository here yet": offer the setup. A drive or share that is not plugged in
 * (DEST_OFFLINE) is not one of them: the screen says which place is missing instead of starting the setup over.
 */
export const NOT_SET_UP = new Set(['REPO_NOT_FOUND', 'REPO_MARKER_MISSING']);

export interface RunState {
  readonly kind: string;
  readonly runId: number;
  readonly progress: ProgressEvent | null;
}

export interface FinishedRun {
  readonly kind: string;
  readonly status: 'success' | 'partial' | 'failed' | 'interrupted';
  readonly errorCode: string | null;
  readonly at: number;
}

/** A task cancelled (from this window or elsewhere), with what the engine says it left behind. */
export interface CancelledTask {
  readonly taskId: string;
  readonly kind: string;
  readonly message: string;
}

export interface AppState {
  readonly api: ApiClient;
  readonly host: HostInfo | null;
  readonly status: StatusSummary | null;
  readonly statusError: unknown;
  readonly loading: boolean;
  readonly run: RunState | null;
  readonly lastFinished: FinishedRun | null;
  /** Long operations running now, each with its latest progress; every one can be cancelled. */
  readonly tasks: readonly TaskInfo[];
  /** The last task that was cancelled (cleared when another of its kind starts). */
  readonly cancelled: CancelledTask | null;
  cancelTask(id: string): Promise<void>;
  readonly route: Route;
  navigate(route: Route): void;
  refresh(): Promise<void>;
  refreshHost(): Promise<void>;
  /** Subscribes a screen to raw events (progress of restores, drills). */
  onEvent(listener: (event: EngineEvent) => void): () => void;
  /** "Back up now" from any screen; its outcome stays for the dashboard. */
  startBackup(): Promise<void>;
  readonly backup: BackupOutcome;
}

export type BackupOutcome =
  | { readonly state: 'idle' }
  | { readonly state: 'running' }
  | { readonly state: 'done'; readonly resources: number; readonly added: number; readonly changed: number; readonly deleted: number; readonly durationMs: number; readonly partial: boolean }
  /** Every source backed up (folders and databases besides, or instead of, the records server): their names. */
  | { readonly state: 'sources-done'; readonly names: readonly string[] }
  | { readonly state: 'failed'; readonly error: unknown };

const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const v = useContext(AppContext);
  if (!v) throw new Error('useApp outside AppProvider');
  return v;
}

function routeFromHash(): Route | null {
  const r = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(r) ? (r as Route) : null;
}

export function AppProvider({ api, children }: { api: ApiClient; children: ReactNode }): ReactNode {
  const [host, setHost] = useState<HostInfo | null>(null);
  const [status, setStatus] = useState<StatusSummary | null>(null);
  const [statusError, setStatusError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [run, setRun] = useState<RunState | null>(null);
  const [lastFinished, setLastFinished] = useState<FinishedRun | null>(null);
  const [route, setRoute] = useState<Route>(routeFromHash() ?? 'dashboard');
  const listeners = useRef(new Set<(event: EngineEvent) => void>());
  const [backup, setBackup] = useState<BackupOutcome>({ state: 'idle' });
  const [tasks, setTasks] = useState<readonly TaskInfo[]>([]);
  const [cancelled, setCancelled] = useState<CancelledTask | null>(null);

  const refresh = useCallback(async () => {
    try {
      const s = await api.call('status');
      setClinicTimeZone(s.timeZone);
      setStatus(s);
      setStatusError(null);
    } catch (err) {
      setStatus(null);
      setStatusError(err);
    } finally {
      setLoading(false);
    }
  }, [api]);

  const refreshHost = useCallback(async () => {
    setHost(await api.call('hostInfo').catch(() => null));
  }, [api]);

  useEffect(() => {
    void refreshHost();
    void refresh();
    // Tasks already running when the window opens (a scheduled backup, one started from the tray).
    api.call('listTasks').then(
      (list) => setTasks((known) => [...known, ...list.filter((x) => !known.some((k) => k.id === x.id))]),
      () => undefined,
    );
  }, [api, refresh, refreshHost]);

  useEffect(() => {
    return api.subscribe((event) => {
      for (const l of listeners.current) l(event);
      if (event.type === 'progress') {
        // Progress belongs to the run in progress; a stray event after its end must not revive it.
        setRun((r) => (r ? { ...r, progress: event } : r));
        if (event.taskId) setTasks((list) => list.map((x) => (x.id === event.taskId ? { ...x, progress: event } : x)));
        return;
      }
      if (event.type === 'task-started') {
        setTasks((list) => [...list.filter((x) => x.id !== event.task.id), event.task]);
        setCancelled((c) => (c && c.kind === event.task.kind ? null : c));
        return;
      }
      if (event.type === 'task-finished') {
        setTasks((list) => list.filter((x) => x.id !== event.taskId));
        if (event.status === 'cancelled') setCancelled({ taskId: event.taskId, kind: event.kind, message: event.message ?? '' });
        return;
      }
      if (event.type === 'diagnostic') return;
      if (event.type === 'run-started') setRun({ kind: event.kind, runId: event.runId, progress: null });
      if (event.type === 'run-finished') {
        setRun(null);
        setLastFinished({ kind: event.kind, status: event.status, errorCode: event.errorCode, at: Date.now() });
      }
      void refresh();
    });
  }, [api, refresh]);

  useEffect(() => {
    const onHash = (): void => {
      const r = routeFromHash();
      if (r) setRoute(r);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const navigate = useCallback((r: Route) => {
    if (window.location.hash !== `#/${r}`) window.location.hash = `#/${r}`;
    setRoute(r);
  }, []);

  const onEvent = useCallback((l: (event: EngineEvent) => void) => {
    listeners.current.add(l);
    return () => void listeners.current.delete(l);
  }, []);

  const cancelTask = useCallback(
    async (id: string) => {
      setTasks((list) => list.map((x) => (x.id === id ? { ...x, cancelling: true } : x)));
      await api.call('cancelTask', id);
    },
    [api],
  );

  const startBackup = useCallback(async () => {
    setBackup({ state: 'running' });
    try {
      // With folders or databases, "back up now" runs every source, as the schedule does.
      const sources = await api.call('listSources');
      if (sources.some((x) => x.kind !== 'fhir')) {
        const outcomes = await api.call('backupAllSources');
        setBackup({ state: 'sources-done', names: outcomes.map((o) => o.name) });
        await refresh();
        return;
      }
      const r = await api.call('backupNow');
      const s = r.snapshot;
      setBackup({ state: 'done', resources: s.resources, added: s.added, changed: s.changed, deleted: s.deleted, durationMs: r.durationMs, partial: s.partial });
    } catch (err) {
      // A cancelled backup is not a failure: the notice of the cancelled task says what it left behind.
      setBackup(isApiError(err, 'CANCELLED') ? { state: 'idle' } : { state: 'failed', error: err });
    }
    await refresh();
  }, [api, refresh]);

  const value = useMemo<AppState>(
    () => ({ api, host, status, statusError, loading, run, lastFinished, tasks, cancelled, cancelTask, route, navigate, refresh, refreshHost, onEvent, startBackup, backup }),
    [api, host, status, statusError, loading, run, lastFinished, tasks, cancelled, cancelTask, route, navigate, refresh, refreshHost, onEvent, startBackup, backup],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}
