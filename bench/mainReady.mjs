// The desktop app's start-up, in a plain Node process over the compiled code (dist/): what main/main.ts does
// before the tray shows its first state — read the desktop config, create the engine host, adopt the repository's
// language, read the status and render the tray from it (the Electron objects are replaced by inert ones: Electron
// itself cannot start on the benchmark machine). Prints "READY <tray icon>" the moment the tray state is computed.
// Used by bench/startup.ts:  node bench/mainReady.mjs REPO STATE_DIR [PASSWORD_FILE]  (without a password file,
// the key comes from the keychain service named by CLINIC_BACKUP_KEYCHAIN_SERVICE).
import path from 'node:path';
import { loadDesktopConfig } from '../dist/main/config.js';
import { TrayService } from '../dist/main/tray.js';
import { EngineHost } from '../dist/src/api/host.js';
import { resolveLocale } from '../dist/src/index.js';

const [repo, stateDir, passwordFile] = process.argv.slice(2);
if (!repo || !stateDir) {
  process.stderr.write('usage: node bench/mainReady.mjs REPO STATE_DIR [PASSWORD_FILE]\n');
  process.exit(2);
}
const keychainService = process.env.CLINIC_BACKUP_KEYCHAIN_SERVICE;
await loadDesktopConfig(path.join(stateDir, 'desktop.json'));
const host = new EngineHost({
  engine: { stateDir, ...(passwordFile ? { passwordFile } : {}), ...(keychainService ? { keychainService } : {}) },
  repo,
  locale: resolveLocale('pt-BR'),
  mode: 'electron',
});
await host.adoptSettingsLanguage();
const inert = { setImage() {}, setToolTip() {}, setContextMenu() {}, on() {}, destroy() {} };
const noop = () => undefined;
const tray = new TrayService(
  { createTray: () => inert, buildMenu: (template) => template, iconPath: (icon) => `${icon}.png` },
  { 'backup-now': noop, open: noop, 'open-drills': noop, 'open-setup': noop, pause: noop, resume: noop, quit: noop },
);
const r = await host.call('status', []);
if (!r.ok) {
  process.stderr.write(`status failed: ${r.error.code} ${r.error.message}\n`);
  process.exit(1);
}
const view = tray.update({ status: r.value, progress: null, pausedUntil: null, now: new Date() }, host.locale);
process.stdout.write(`READY ${view.icon}\n`);
await host.close();
