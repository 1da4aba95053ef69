import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  APP_CSP,
  appFileFor,
  createAppWindowController,
  isAppUrl,
  lockDownContents,
  lockDownSession,
  windowOptions,
  type BrowserWindowLike,
  type SecureWindowConstructorOptions,
  type WebContentsLike,
} from '../../main/window.js';
import { CONTENT_SECURITY_POLICY } from '../../src/serve/index.js';

type Listener = (...args: never[]) => void;

function fakeContents(): WebContentsLike & { listeners: Map<string, Listener>; openHandler: ((d: { url: string }) => { action: 'deny' }) | null } {
  const listeners = new Map<string, Listener>();
  const c = {
    id: 1,
    listeners,
    openHandler: null as ((d: { url: string }) => { action: 'deny' }) | null,
    on: (event: string, l: Listener) => void listeners.set(event, l),
    setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) => void (c.openHandler = h),
  };
  return c as unknown as WebContentsLike & { listeners: Map<string, Listener>; openHandler: ((d: { url: string }) => { action: 'deny' }) | null };
}

function navigate(contents: ReturnType<typeof fakeContents>, event: string, url: string): boolean {
  let prevented = false;
  (contents.listeners.get(event) as (e: { preventDefault(): void }, url: string) => void)({ preventDefault: () => (prevented = true) }, url);
  return prevented;
}

describe('secure window factory', () => {
  it('isolates the page: context isolation, sandbox, no Node, web security, a preload, 1024×700 minimum', () => {
    const o = windowOptions({ preload: '/app/dist/main/preload.cjs', title: 'Clinic Backup' });
    assert.equal(o.webPreferences.contextIsolation, true);
    assert.equal(o.webPreferences.sandbox, true);
    assert.equal(o.webPreferences.nodeIntegration, false);
    assert.equal(o.webPreferences.nodeIntegrationInWorker, false);
    assert.equal(o.webPreferences.nodeIntegrationInSubFrames, false);
    assert.equal(o.webPreferences.webSecurity, true);
    assert.equal(o.webPreferences.allowRunningInsecureContent, false);
    assert.equal(o.webPreferences.webviewTag, false);
    assert.equal(o.webPreferences.preload, '/app/dist/main/preload.cjs');
    assert.equal(o.minWidth, 1024);
    assert.equal(o.minHeight, 700);
  });

  it('blocks navigation away from the app, redirects, webviews and every new window', () => {
    const c = fakeContents();
    lockDownContents(c);
    assert.equal(navigate(c, 'will-navigate', 'https://evil.example/'), true);
    assert.equal(navigate(c, 'will-navigate', 'file:///etc/passwd'), true);
    assert.equal(navigate(c, 'will-redirect', 'http://127.0.0.1:9/'), true);
    assert.equal(navigate(c, 'will-navigate', 'app://clinic-backup/index.html#/restore'), false);
    let prevented = false;
    (c.listeners.get('will-attach-webview') as (e: { preventDefault(): void }) => void)({ preventDefault: () => (prevented = true) });
    assert.equal(prevented, true);
    assert.deepEqual(c.openHandler?.({ url: 'app://clinic-backup/index.html' }), { action: 'deny' });
    assert.deepEqual(c.openHandler?.({ url: 'https://example.com' }), { action: 'deny' });
  });

  it('denies every permission request', () => {
    const answers: boolean[] = [];
    let check: (() => boolean) | null = null;
    lockDownSession({
      setPermissionRequestHandler: (h) => {
        for (const p of ['media', 'geolocation', 'notifications', 'openExternal']) h({}, p, (g) => answers.push(g));
      },
      setPermissionCheckHandler: (h) => void (check = h),
    });
    assert.deepEqual(answers, [false, false, false, false]);
    assert.equal((check as unknown as () => boolean)(), false);
  });

  it('has the same strict CSP as serve', () => {
    assert.equal(APP_CSP, CONTENT_SECURITY_POLICY);
    assert.doesNotMatch(APP_CSP, /unsafe/);
  });

  it('recognises only its own origin and serves only files inside the renderer folder', () => {
    assert.equal(isAppUrl('app://clinic-backup/index.html'), true);
    assert.equal(isAppUrl('app://other/index.html'), false);
    assert.equal(isAppUrl('https://clinic-backup/'), false);
    const dir = '/opt/clinic/renderer/dist';
    assert.equal(appFileFor(dir, 'app://clinic-backup/'), path.join(dir, 'index.html'));
    assert.equal(appFileFor(dir, 'app://clinic-backup/assets/index-abc.js'), path.join(dir, 'assets', 'index-abc.js'));
    // The URL parser folds dot segments inside the origin; the file stays inside the folder.
    assert.equal(appFileFor(dir, 'app://clinic-backup/%2e%2e/%2e%2e/secrets.json'), path.join(dir, 'secrets.json'));
    assert.equal(appFileFor(dir, 'app://clinic-backup/..%2F..%2Fsecrets.json'), null);
    assert.equal(appFileFor(dir, 'app://elsewhere/index.html'), null);
  });

  it('closing the window hides it (the tray keeps running) until quit; opening reuses it at a route', () => {
    const created: SecureWindowConstructorOptions[] = [];
    const loaded: string[] = [];
    let closeListener: ((e: { preventDefault(): void }) => void) | null = null;
    let hidden = 0;
    let shown = 0;
    const win: BrowserWindowLike = {
      webContents: fakeContents(),
      loadURL: async (u) => void loaded.push(u),
      on: (_e, l) => void (closeListener = l),
      once: (_e, l) => l(),
      show: () => void shown++,
      hide: () => void hidden++,
      focus: () => undefined,
      isDestroyed: () => false,
    };
    const ctl = createAppWindowController((o) => (created.push(o), win), { preload: '/p.cjs', title: 'Clinic Backup' });
    ctl.open('setup');
    ctl.open('drills');
    assert.equal(created.length, 1, 'one window');
    assert.deepEqual(loaded, ['app://clinic-backup/index.html#/setup', 'app://clinic-backup/index.html#/drills']);
    let prevented = false;
    (closeListener as unknown as (e: { preventDefault(): void }) => void)({ preventDefault: () => (prevented = true) });
    assert.equal(prevented, true);
    assert.equal(hidden, 1);
    ctl.allowClose();
    prevented = false;
    (closeListener as unknown as (e: { preventDefault(): void }) => void)({ preventDefault: () => (prevented = true) });
    assert.equal(prevented, false, 'quitting closes for real');
    assert.ok(shown >= 2);
  });
});
