/**
 * One secure window factory: context isolation, sandbox, no Node integration, a strict CSP on everything the
 * app protocol serves, navigation away from the app and new windows blocked, every permission request
 * denied. The page is served from app://clinic-backup/ (renderer/dist), never from the network.
 * Electron objects are injected so the policy is unit-testable.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'clinic-backup';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Same policy as serve (src/serve/server.ts), for the app protocol. */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** Same as serve's: generated reports keep their inline styles, run no script, and are framed by the app only. */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";

/** The drill id of an app-protocol report URL (app://clinic-backup/reports/drill/<id>), or null. */
export function reportIdFor(requestUrl: string): number | null {
  if (!isAppUrl(requestUrl)) return null;
  const m = /^\/reports\/drill\/(\d{1,9})$/.exec(new URL(requestUrl).pathname);
  return m ? Number(m[1]) : null;
}

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

export interface WindowOptions {
  readonly preload: string;
  readonly title: string;
  readonly icon?: string;
}

/** BrowserWindow constructor options the factory passes (a subset of Electron's). */
export interface SecureWindowConstructorOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  show: boolean;
  title: string;
  icon?: string;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  webPreferences: typeof SECURE_WEB_PREFERENCES & { preload: string };
}

interface PreventableEvent {
  preventDefault(): void;
}

export interface WebContentsLike {
  readonly id: number;
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): void;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): void;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface BrowserWindowLike {
  readonly webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  on(event: 'close', listener: (event: PreventableEvent) => void): void;
  once(event: 'ready-to-show', listener: () => void): void;
  show(): void;
  hide(): void;
  focus(): void;
  isDestroyed(): boolean;
}

export interface SessionLike {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: () => boolean): void;
}

/** The constructor options of the one app window: works from 1024×700 up. */
export function windowOptions(options: WindowOptions): SecureWindowConstructorOptions {
  return {
    width: 1180,
    height: 780,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: options.title,
    ...(options.icon ? { icon: options.icon } : {}),
    backgroundColor: '#ffffff',
    autoHideMenuBar: true,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: options.preload },
  };
}

/** True for URLs of our own app page (same origin); everything else stays out of the window. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Applies the navigation policy to a window's contents. */
export function lockDownContents(contents: WebContentsLike): void {
  const block = (event: PreventableEvent, url: string): void => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', block);
  contents.on('will-redirect', block);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** Denies every permission (camera, notifications from the page, geolocation…): the page needs none. */
export function lockDownSession(session: SessionLike): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export interface AppWindowController {
  /** Shows the window (creating it when needed) at a screen route, e.g. "dashboard", "drills". */
  open(route?: string): void;
  readonly window: BrowserWindowLike | null;
  /** Lets the next close really close (on quit). */
  allowClose(): void;
}

/** The single app window: closing it hides it (the tray keeps running); opening again reuses it. */
export function createAppWindowController(create: (options: SecureWindowConstructorOptions) => BrowserWindowLike, options: WindowOptions): AppWindowController {
  let win: BrowserWindowLike | null = null;
  let quitting = false;
  return {
    get window() {
      return win;
    },
    allowClose() {
      quitting = true;
    },
    open(route = 'dashboard') {
      const url = `${APP_ORIGIN}/index.html#/${route.replace(/^[#/]+/, '')}`;
      if (!win || win.isDestroyed()) {
        const w = create(windowOptions(options));
        win = w;
        lockDownContents(w.webContents);
        w.on('close', (event) => {
          if (quitting) return;
          event.preventDefault();
          w.hide();
        });
        w.once('ready-to-show', () => w.show());
        void w.loadURL(url);
        return;
      }
      void win.loadURL(url);
      win.show();
      win.focus();
    },
  };
}

/** Resolves a request path of the app protocol to a file inside the renderer folder, or null. */
export function appFileFor(rendererDir: string, requestUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return null;
  }
  if (!isAppUrl(requestUrl)) return null;
  const root = path.resolve(rendererDir);
  const rel = u.pathname === '/' ? 'index.html' : decodeURIComponent(u.pathname).replace(/^\/+/, '');
  const file = path.resolve(root, rel);
  return file === root || !file.startsWith(root + path.sep) ? null : file;
}
