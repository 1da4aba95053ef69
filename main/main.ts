/**
 * Electron main process entry: thin adapters only (ARCHITECTURE.md §10). Issue "The desktop app" adds the tray
 * rendered from engine state, notifications, the secure window and the IPC router; every decision stays in src/.
 */
import { app } from 'electron';

export function start(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('window-all-closed', () => {
    // Closing the window keeps the tray app running.
  });
}
