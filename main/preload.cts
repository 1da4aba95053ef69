/**
 * Preload of the app window (sandboxed, CommonJS): exposes the typed API and nothing else — one function to
 * call an API method and one to receive engine events. No Node or Electron object reaches the page.
 * The channel names match main/ipcRouter.ts; the shape matches renderer/src/api/client.ts (electronTransport).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload must be CommonJS
import electron = require('electron');
import type { IpcRendererEvent } from 'electron';

const CALL_CHANNEL = 'clinic-backup:call';
const EVENT_CHANNEL = 'clinic-backup:event';

electron.contextBridge.exposeInMainWorld('clinicBackup', {
  call(method: string, args: unknown[], locale?: 'pt-BR' | 'en'): Promise<unknown> {
    return electron.ipcRenderer.invoke(CALL_CHANNEL, { method: String(method), args: Array.isArray(args) ? args : [], ...(locale ? { locale } : {}) });
  },
  onEvent(listener: (event: unknown) => void): () => void {
    const handler = (_e: IpcRendererEvent, event: unknown): void => listener(event);
    electron.ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => electron.ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
});
