/**
 * Electron main process entry: thin adapters only (ARCHITECTURE.md §10). Wires the engine host, the tray
 * rendered from engine state, notifications, the scheduler with power awareness, the one secure window and the
 * IPC router. Every decision stays in src/; every piece here takes its Electron objects injected and is tested
 * with fakes in test/main/.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, powerMonitor, protocol, safeStorage, session, Tray } from 'electron';
import { resolveLocale, t, type Locale } from '../src/index.js';
import type { EngineEvent, StatusSummary } from '../src/shared/contract.js';
import type { ProgressEvent } from '../src/shared/events.js';
import { ensurePrivateDir } from '../src/shared/index.js';
import { EngineHost } from '../src/api/host.js';
import { relaunchWithArenaLimit } from './arena.js';
import { loadDesktopConfig, patchDesktopConfig, saveDesktopConfig, type DesktopConfig } from './config.js';
import { forwardEvents, installIpcRouter } from './ipcRouter.js';
import { folderChooser } from './folderDialog.js';
import { NotificationService } from './notifications.js';
import { SchedulerController } from './scheduler.js';
import { SafeStorageSecretStore } from './secretStore.js';
import { TrayService, type TrayIcon } from './tray.js';
import { APP_CSP, APP_ORIGIN, APP_SCHEME, appFileFor, createAppWindowController, lockDownSession, REPORT_CSP, reportIdFor } from './window.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};
const HOUR_MS = 3600_000;

function resourcePath(...parts: string[]): string {
  return app.isPackaged ? path.join(process.resourcesPath, ...parts) : path.join(app.getAppPath(), 'assets', ...parts);
}

export function start(): void {
  // On Linux, once: the app starts again with glibc's MALLOC_ARENA_MAX=2 (main/arena.ts).
  if (relaunchWithArenaLimit(process.platform, process.env, process.argv, app)) return;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  const startedHidden = process.argv.includes('--hidden');
  void app.whenReady().then(() => ready(startedHidden));
}

async function ready(startedHidden: boolean): Promise<void> {
  const userData = app.getPath('userData');
  // Settings, state and secrets live here: owner-only, tightened if an older version left it looser.
  await ensurePrivateDir(userData);
  const configFile = path.join(userData, 'desktop.json');
  let config: DesktopConfig = await loadDesktopConfig(configFile);
  const saveConfig = async (next: DesktopConfig): Promise<DesktopConfig> => {
    config = next;
    await saveDesktopConfig(configFile, config);
    app.setLoginItemSettings({ openAtLogin: config.startAtLogin, args: ['--hidden'] });
    return config;
  };
  let locale: Locale = resolveLocale(app.getLocale());
  const secretStore = new SafeStorageSecretStore(safeStorage, path.join(userData, 'secrets.json'), process.platform, () => locale);
  const rendererDir = path.join(app.getAppPath(), 'renderer', 'dist');

  // The page is served from app://clinic-backup/ with the strict CSP.
  protocol.handle(APP_SCHEME, async (request) => {
    const reportId = reportIdFor(request.url);
    if (reportId !== null) {
      const r = await host.request('drillReport', [reportId]);
      return r.ok
        ? new Response(r.value.html, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': REPORT_CSP } })
        : new Response(r.error.message, { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': APP_CSP } });
    }
    const file = appFileFor(rendererDir, request.url);
    const data = file ? await readFile(file).catch(() => null) : null;
    if (!file || !data) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain', 'content-security-policy': APP_CSP } });
    return new Response(data, { headers: { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': APP_CSP, 'x-content-type-options': 'nosniff' } });
  });
  lockDownSession(session.defaultSession);

  let notifications: NotificationService | null = null;
  const host = new EngineHost({
    // The scheduled restore drill waits for mains power (a laptop on battery is left alone).
    engine: { secretStore, stateDir: path.join(userData, 'state'), onBatteryPower: () => powerMonitor.isOnBatteryPower() },
    repo: config.repo ?? path.join(os.homedir(), 'ClinicBackup'),
    locale,
    mode: 'electron',
    onRepositoryChanged: (repo) => void saveConfig(patchDesktopConfig(config, { repo })),
    extensions: {
      getDesktopSettings: async () => ({ startAtLogin: config.startAtLogin, pauseOnBattery: config.pauseOnBattery }),
      chooseFolder: folderChooser({ showOpenDialog: (o) => dialog.showOpenDialog({ title: o.title, buttonLabel: o.buttonLabel, properties: [...o.properties] }) }, () => ({
        title: t('desktop.chooseFolder.title', {}, locale),
        button: t('desktop.chooseFolder.button', {}, locale),
      })),
      updateDesktopSettings: async (patch) => {
        const next = await saveConfig(patchDesktopConfig(config, patch));
        return { startAtLogin: next.startAtLogin, pauseOnBattery: next.pauseOnBattery };
      },
    },
    onCallResult: (method, result) => notifications?.onCallResult(method, result, locale),
  });
  await host.adoptSettingsLanguage();
  locale = host.locale;

  const windows = createAppWindowController((o) => new BrowserWindow(o), { preload: path.join(HERE, 'preload.cjs'), title: 'Clinic Backup', icon: path.join(app.getAppPath(), 'assets', 'icon.png') });
  notifications = new NotificationService((n) => {
    if (!Notification.isSupported()) return;
    const note = new Notification({ title: n.title, body: n.body, urgency: n.urgency });
    note.on('click', () => windows.open(n.route));
    note.show();
  });

  let status: StatusSummary | null = null;
  let progress: ProgressEvent | null = null;
  const scheduler = new SchedulerController({
    port: {
      start: () =>
        host.startScheduler((e) => {
          if (e.type === 'scheduler-stopped' && e.error) console.error(`scheduler stopped: ${e.error.code} ${e.error.message}`);
        }),
      stop: () => host.stopScheduler(),
      get running() {
        return host.schedulerRunning;
      },
    },
    now: () => new Date(),
    pauseOnBattery: () => config.pauseOnBattery,
    onChange: () => renderTray(),
  });
  const tray = new TrayService(
    {
      createTray: (icon) => new Tray(nativeImage.createFromPath(icon)),
      buildMenu: (template) => Menu.buildFromTemplate(template),
      iconPath: (icon: TrayIcon) => resourcePath('tray', `${icon}.png`),
    },
    {
      'backup-now': () => void host.request('backupNow', []),
      open: () => windows.open(status ? 'dashboard' : 'setup'),
      'open-drills': () => windows.open('drills'),
      'open-setup': () => windows.open('setup'),
      pause: () => void scheduler.pauseFor(HOUR_MS),
      resume: () => void scheduler.resume(),
      quit: () => {
        windows.allowClose();
        app.quit();
      },
    },
  );
  function renderTray(): void {
    tray.update({ status, progress, pausedUntil: scheduler.pausedUntil, now: new Date() }, locale);
  }
  async function refresh(): Promise<void> {
    const r = await host.request('status', []);
    status = r.ok ? r.value : null;
    locale = host.locale;
    if (status) notifications?.onStatus(status, locale);
    renderTray();
  }

  host.subscribe((event: EngineEvent) => {
    if (event.type === 'progress') {
      progress = event;
      renderTray();
      return;
    }
    if (event.type === 'diagnostic') {
      // Something failed without stopping the work (a subscriber, a close): for the logs, code only.
      console.warn(`clinic-backup: ${event.what}: ${event.errorCode}`);
      return;
    }
    if (event.type === 'task-started' || event.type === 'task-finished') return;
    if (event.type === 'run-finished') progress = null;
    void refresh();
  });
  installIpcRouter({
    ipcMain,
    call: (method, args, l) => host.call(method, args, l),
    isOurWindow: (id) => windows.window !== null && !windows.window.isDestroyed() && windows.window.webContents.id === id,
    appOrigin: APP_ORIGIN,
    locale: () => locale,
  });
  forwardEvents(
    (l) => host.subscribe(l),
    () => {
      const w = windows.window;
      return w && !w.isDestroyed() ? [(w as unknown as BrowserWindow).webContents] : [];
    },
  );
  scheduler.attachPower(powerMonitor);
  app.on('second-instance', () => windows.open());
  // Closing the window keeps the tray app running.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => windows.allowClose());
  app.on('will-quit', () => void host.close());

  await refresh();
  await scheduler.apply();
  setInterval(() => void refresh().then(() => scheduler.tick()), 60_000);
  if (!startedHidden) windows.open(status ? 'dashboard' : 'setup');
}

if (process.versions['electron']) start();
