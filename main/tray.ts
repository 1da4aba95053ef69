/**
 * The tray: icon, tooltip and menu are a pure function of state (ARCHITECTURE.md §12.5), rendered by
 * `renderTray`; TrayService applies the result through injected Electron factories so it is unit-testable.
 */
import { t, type Locale } from '../src/index.js';
import type { HealthState, StatusSummary } from '../src/shared/contract.js';
import type { ProgressEvent } from '../src/shared/events.js';

export type TrayIcon = HealthState;

export type TrayActionId = 'backup-now' | 'open' | 'open-drills' | 'open-setup' | 'pause' | 'resume' | 'quit';

export interface TrayMenuItem {
  readonly id: TrayActionId | 'status' | 'last' | 'next' | 'separator';
  readonly label: string;
  readonly enabled: boolean;
  readonly separator?: true;
}

export interface TrayView {
  readonly icon: TrayIcon;
  readonly tooltip: string;
  readonly menu: readonly TrayMenuItem[];
}

export interface TrayState {
  /** Null when there is no readable repository yet (first run, destination unplugged). */
  readonly status: StatusSummary | null;
  /** The latest progress of the running operation, if any. */
  readonly progress: ProgressEvent | null;
  /** Scheduled backups paused until then (the "Pause for 1 hour" item). */
  readonly pausedUntil: Date | null;
  readonly now: Date;
  /** IANA zone for times in the menu (default: the system's). */
  readonly timeZone?: string;
}

function when(iso: string | null, state: TrayState, locale: Locale): string {
  if (!iso) return t('tray.menu.never', {}, locale);
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return t('tray.menu.never', {}, locale);
  // The clinic's zone (from the engine's status) unless one is given: one time zone in every output.
  const tz = state.timeZone ?? state.status?.timeZone;
  const zone = tz ? { timeZone: tz } : {};
  const day = new Intl.DateTimeFormat(locale, { ...zone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat(locale, { ...zone, hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return day.format(d) === day.format(state.now) ? time : `${day.format(d)} ${time}`;
}

function percent(p: ProgressEvent | null): string {
  if (!p || !p.total || p.total <= 0) return '';
  return `${Math.min(100, Math.floor((p.done / p.total) * 100))}%`;
}

/** The tray icon of each alert level. */
export const ALERT_ICON: Readonly<Record<'low' | 'medium' | 'high' | 'critical', TrayIcon>> = { low: 'warning', medium: 'warning', high: 'error', critical: 'error' };
const ICON_RANK: Readonly<Record<TrayIcon, number>> = { ok: 0, running: 1, warning: 2, error: 3 };

const SEPARATOR: TrayMenuItem = { id: 'separator', label: '', enabled: false, separator: true };

/** What the tray shows for a state. Pure: same state and locale, same view. */
export function renderTray(state: TrayState, locale: Locale): TrayView {
  const s = state.status;
  const paused = state.pausedUntil !== null && state.pausedUntil.getTime() > state.now.getTime();
  const pausedNote = paused ? t('tray.tooltip.paused', { until: when((state.pausedUntil as Date).toISOString(), state, locale) }, locale) : '';
  const quit: TrayMenuItem = { id: 'quit', label: t('tray.menu.quit', {}, locale), enabled: true };
  const open: TrayMenuItem = { id: 'open', label: t('tray.menu.open', {}, locale), enabled: true };
  if (!s) {
    return {
      icon: 'warning',
      tooltip: t('tray.tooltip.unknown', {}, locale),
      menu: [{ id: 'open-setup', label: t('tray.menu.setup', {}, locale), enabled: true }, open, SEPARATOR, quit],
    };
  }
  const running = s.running !== null || state.progress !== null;
  // Every alert level has its icon (critical and high: red; medium and low: yellow), whatever else the state says.
  const base = s.alerts.reduce<TrayIcon>((worst, a) => (ICON_RANK[ALERT_ICON[a.severity]] > ICON_RANK[worst] ? ALERT_ICON[a.severity] : worst), s.state);
  const icon: TrayIcon = running && base !== 'error' ? 'running' : base;
  const reason = s.reasons[0] ?? s.alerts[0]?.message ?? '';
  const pct = percent(state.progress);
  const tooltip =
    (icon === 'running' ? t('tray.tooltip.running', { percent: pct }, locale).trimEnd() : icon === 'ok' ? t('tray.tooltip.ok', {}, locale) : t(`tray.tooltip.${icon}`, { reason }, locale)) +
    pausedNote;
  const statusLabel = icon === 'running' ? t('tray.menu.status.running', { percent: pct }, locale).trimEnd() : t(`tray.menu.status.${icon}`, { reason }, locale);
  const menu: TrayMenuItem[] = [{ id: 'status', label: statusLabel, enabled: false }, SEPARATOR, { id: 'backup-now', label: t('tray.menu.backupNow', {}, locale), enabled: !running }, open];
  if (s.drill.overdue) menu.push({ id: 'open-drills', label: t('tray.menu.drill', {}, locale), enabled: true });
  menu.push(
    SEPARATOR,
    { id: 'last', label: t('tray.menu.last', { at: when(s.lastSuccessAt, state, locale) }, locale), enabled: false },
    { id: 'next', label: t('tray.menu.next', { at: when(s.nextBackupAt, state, locale) }, locale), enabled: false },
    SEPARATOR,
    paused
      ? { id: 'resume', label: t('tray.menu.resume', { until: when((state.pausedUntil as Date).toISOString(), state, locale) }, locale), enabled: true }
      : { id: 'pause', label: t('tray.menu.pause', {}, locale), enabled: true },
    quit,
  );
  return { icon, tooltip, menu };
}

/** The slice of Electron's Tray the service uses. */
export interface TrayPort {
  setImage(iconPath: string): void;
  setToolTip(text: string): void;
  setContextMenu(menu: unknown): void;
  on(event: 'click', listener: () => void): void;
  destroy(): void;
}

export interface MenuTemplateItem {
  readonly label?: string;
  readonly enabled?: boolean;
  readonly type?: 'separator' | 'normal';
  readonly click?: () => void;
}

export interface TrayFactories {
  createTray(iconPath: string): TrayPort;
  /** Menu.buildFromTemplate */
  buildMenu(template: MenuTemplateItem[]): unknown;
  iconPath(icon: TrayIcon): string;
}

export type TrayActions = Readonly<Record<TrayActionId, () => void>>;

/** Owns the Electron tray; re-renders only when the view changes. */
export class TrayService {
  private tray: TrayPort | null = null;
  private last: string | null = null;

  constructor(
    private readonly factories: TrayFactories,
    private readonly actions: TrayActions,
  ) {}

  update(state: TrayState, locale: Locale): TrayView {
    const view = renderTray(state, locale);
    const key = JSON.stringify(view);
    if (key === this.last) return view;
    this.last = key;
    if (!this.tray) {
      this.tray = this.factories.createTray(this.factories.iconPath(view.icon));
      this.tray.on('click', () => this.actions.open());
    } else this.tray.setImage(this.factories.iconPath(view.icon));
    this.tray.setToolTip(view.tooltip);
    this.tray.setContextMenu(
      this.factories.buildMenu(
        view.menu.map((item) => {
          if (item.separator) return { type: 'separator' };
          const action = (this.actions as Record<string, (() => void) | undefined>)[item.id];
          return { label: item.label, enabled: item.enabled, ...(action ? { click: action } : {}) };
        }),
      ),
    );
    return view;
  }

  destroy(): void {
    this.tray?.destroy();
    this.tray = null;
    this.last = null;
  }
}
