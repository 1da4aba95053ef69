/**
 * The Electron path without Electron: the renderer's API client with its IPC transport → a preload-shaped
 * bridge → the IPC router (fake ipcMain, real validation) → the real engine host and engine (temp repository).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { EngineHost } from '../../src/api/host.js';
import { EVENT_CHANNEL, forwardEvents, installIpcRouter, type InvokeEventLike } from '../../main/ipcRouter.js';
import { APP_ORIGIN } from '../../main/window.js';
import { ApiError, createClient, electronTransport, type PreloadBridge } from '../../renderer/src/api/client.js';
import type { EngineEvent } from '../../src/shared/contract.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

it('renderer client → IPC bridge → router → engine host: calls, errors as data, events', async () => {
  const dir = await tempDir();
  const repo = path.join(dir, 'repo');
  await mkdir(repo);
  const host = new EngineHost({ engine: { passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state') }, repo, locale: 'pt-BR', mode: 'electron' });
  let handler: ((e: InvokeEventLike, ...args: unknown[]) => Promise<unknown>) | null = null;
  installIpcRouter({
    ipcMain: { handle: (_c, l) => void (handler = l), removeHandler: () => undefined },
    call: (m, a, l) => host.call(m, a, l),
    isOurWindow: (id) => id === 1,
    appOrigin: APP_ORIGIN,
    locale: () => host.locale,
  });
  const pageListeners = new Set<(e: unknown) => void>();
  forwardEvents(
    (l) => host.subscribe(l),
    () => [{ isDestroyed: () => false, send: (channel: string, e: EngineEvent) => channel === EVENT_CHANNEL && pageListeners.forEach((l) => l(e)) }],
  );
  const frame = { sender: { id: 1 }, senderFrame: { url: `${APP_ORIGIN}/index.html#/setup`, parent: null } };
  // What main/preload.cts exposes, wired to the router as ipcRenderer.invoke would be.
  const bridge: PreloadBridge = {
    call: async (method, args, locale) => (await (handler as NonNullable<typeof handler>)(frame, { method, args, ...(locale ? { locale } : {}) })) as never,
    onEvent: (l) => (pageListeners.add(l), () => void pageListeners.delete(l)),
  };
  const client = createClient(electronTransport(bridge), 'en');
  const events: EngineEvent[] = [];
  client.subscribe((e) => events.push(e));
  try {
    const info = await client.call('hostInfo');
    assert.equal(info.mode, 'electron');
    assert.equal(info.useKeychain, false, 'a password file keeps the key');
    await assert.rejects(client.call('status'), (err: unknown) => err instanceof ApiError && err.code === 'REPO_MARKER_MISSING' && /repository marker/.test(err.message));
    const init = await client.call('init', { useKeychain: false, recoveryLanguage: 'en' });
    assert.ok(init.recoveryKey && init.recoveryKey.length > 0);
    assert.ok(
      events.some((e) => e.type === 'status-changed'),
      'events reach the page',
    );
    const status = await client.call('status');
    assert.equal(status.repoId, init.repoId);
    client.setLocale('pt-BR');
    await assert.rejects(
      client.call('confirmRecoveryKit', [
        { position: 1, word: 'x' },
        { position: 2, word: 'y' },
      ]),
      (err: unknown) => err instanceof ApiError && err.code === 'CONFIRMATION_MISMATCH' && /não confere/.test(err.message),
    );
    // A call the schema refuses never reaches the engine.
    await assert.rejects(
      (client.call as (m: string, ...a: unknown[]) => Promise<unknown>)('setSecret', '../escape', 'v'),
      (err: unknown) => err instanceof ApiError && err.code === 'INVALID_ARGUMENT',
    );
  } finally {
    await host.close();
  }
});
