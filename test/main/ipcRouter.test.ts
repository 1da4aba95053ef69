import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallResult } from '../../src/api/host.js';
import { CALL_CHANNEL, checkPayload, EVENT_CHANNEL, forwardEvents, installIpcRouter, type InvokeEventLike, type IpcMainLike } from '../../main/ipcRouter.js';
import { APP_ORIGIN } from '../../main/window.js';
import type { EngineEvent } from '../../src/shared/contract.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

function fakeIpc(): { ipcMain: IpcMainLike; invoke: (event: InvokeEventLike, ...args: unknown[]) => Promise<CallResult>; removed: string[] } {
  const handlers = new Map<string, Handler>();
  const removed: string[] = [];
  return {
    removed,
    ipcMain: { handle: (c, l) => void handlers.set(c, l), removeHandler: (c) => void (removed.push(c), handlers.delete(c)) },
    invoke: async (event, ...args) => (await (handlers.get(CALL_CHANNEL) as Handler)(event, ...args)) as CallResult,
  };
}

const OURS = 7;
const goodEvent: InvokeEventLike = { sender: { id: OURS }, senderFrame: { url: `${APP_ORIGIN}/index.html#/dashboard`, parent: null } };

function router(): { invoke: ReturnType<typeof fakeIpc>['invoke']; calls: { method: string; args: readonly unknown[]; locale: string }[]; uninstall: () => void; removed: string[] } {
  const ipc = fakeIpc();
  const calls: { method: string; args: readonly unknown[]; locale: string }[] = [];
  const uninstall = installIpcRouter({
    ipcMain: ipc.ipcMain,
    call: async (method, args, locale) => {
      calls.push({ method, args, locale });
      return { ok: true, value: { method } };
    },
    isOurWindow: (id) => id === OURS,
    appOrigin: APP_ORIGIN,
    locale: () => 'pt-BR',
  });
  return { invoke: ipc.invoke, calls, uninstall, removed: ipc.removed };
}

describe('IPC router: sender validation', () => {
  it('passes a valid call from our window main frame to the host, in the caller locale', async () => {
    const r = router();
    const res = await r.invoke(goodEvent, { method: 'status', args: [], locale: 'en' });
    assert.deepEqual(res, { ok: true, value: { method: 'status' } });
    assert.deepEqual(r.calls, [{ method: 'status', args: [], locale: 'en' }]);
    await r.invoke(goodEvent, { method: 'snapshots', args: [] });
    assert.equal(r.calls[1]?.locale, 'pt-BR', 'default: the app language');
  });

  const refused: [string, InvokeEventLike][] = [
    ['another webContents', { sender: { id: 99 }, senderFrame: goodEvent.senderFrame }],
    ['no frame', { sender: { id: OURS }, senderFrame: null }],
    ['a subframe', { sender: { id: OURS }, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: {} } }],
    ['a web page that got loaded', { sender: { id: OURS }, senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['a local file', { sender: { id: OURS }, senderFrame: { url: 'file:///tmp/evil.html', parent: null } }],
    ['a look-alike host', { sender: { id: OURS }, senderFrame: { url: 'app://clinic-backup.evil/index.html', parent: null } }],
    ['devtools', { sender: { id: OURS }, senderFrame: { url: 'devtools://devtools/bundled/inspector.html', parent: null } }],
  ];
  for (const [name, event] of refused) {
    it(`refuses ${name} with FORBIDDEN_ORIGIN and never calls the engine`, async () => {
      const r = router();
      const res = await r.invoke(event, { method: 'status', args: [] });
      assert.equal(res.ok, false);
      assert.equal(!res.ok && res.error.code, 'FORBIDDEN_ORIGIN');
      assert.equal(r.calls.length, 0);
    });
  }
});

describe('IPC router: payload validation', () => {
  const bad: [string, unknown[]][] = [
    ['no payload', []],
    ['two payloads', [{ method: 'status', args: [] }, {}]],
    ['a string', ['status']],
    ['an array', [['status']]],
    ['an unknown method', [{ method: 'close', args: [] }]],
    ['an inherited name', [{ method: 'constructor', args: [] }]],
    ['an extra field', [{ method: 'status', args: [], sender: 'main' }]],
    ['args not an array', [{ method: 'status', args: {} }]],
    ['too many args', [{ method: 'status', args: [1] }]],
    ['a bad locale', [{ method: 'status', args: [], locale: 'fr' }]],
    ['a file path as credential', [{ method: 'probeSource', args: [{ source: 'https://fhir.example/r4', auth: { kind: 'basic', username: 'u', passwordFile: '/home/u/.ssh/id_rsa' } }] }]],
    ['a non-http source', [{ method: 'probeSource', args: [{ source: 'javascript:alert(1)', auth: { kind: 'none' } }] }]],
    ['an unconfirmed restore', [{ method: 'restoreToServer', args: [{ target: 'https://fhir.example/r4', auth: { kind: 'none' }, confirmed: 'yes' }] }]],
    ['a bad patient id', [{ method: 'ls', args: [{ patient: '../../etc' }] }]],
    ['a bad secret name', [{ method: 'setSecret', args: ['../x', 'v'] }]],
    ['an empty secret', [{ method: 'setSecret', args: ['source-password', ''] }]],
    ['a huge limit', [{ method: 'auditLog', args: [1e9] }]],
    ['settings with a secret value inline', [{ method: 'updateSettings', args: [{ source: { url: 'https://fhir.example/r4', auth: { kind: 'bearer', token: 'abc' } } }] }]],
  ];
  for (const [name, args] of bad) {
    it(`refuses ${name} with INVALID_ARGUMENT and never calls the engine`, async () => {
      const r = router();
      const res = await r.invoke(goodEvent, ...args);
      assert.equal(res.ok, false, name);
      assert.equal(!res.ok && res.error.code, 'INVALID_ARGUMENT');
      assert.equal(r.calls.length, 0);
    });
  }

  it('accepts the calls the screens make', () => {
    const good: unknown[] = [
      { method: 'probeSource', args: [{ source: 'https://fhir.example/r4', auth: { kind: 'basic', username: 'clinic', passwordSecret: 'source-password' } }] },
      { method: 'restoreToServer', args: [{ snapshot: 'latest', patient: 'p-1', target: 'http://127.0.0.1:8080/fhir', auth: { kind: 'none' }, confirmed: true, verify: 'sample' }] },
      { method: 'restoreToFolder', args: [{ snapshot: 'abcd1234', types: ['Patient'], target: '/tmp/out', confirmed: true }] },
      { method: 'updateSettings', args: [{ language: 'en', schedule: { backup: { kind: 'interval', everyMinutes: 15 }, drill: { kind: 'monthly', day: 1, at: '12:00' } } }] },
      {
        method: 'confirmRecoveryKit',
        args: [
          [
            { position: 3, word: 'abacate' },
            { position: 17, word: 'zebra' },
          ],
        ],
      },
      { method: 'openRepository', args: [{ path: '/media/usb/backup' }] },
      { method: 'auditLog', args: [100] },
    ];
    for (const p of good) assert.equal(checkPayload(p), null, JSON.stringify(p));
  });

  it('uninstalls its handler', () => {
    const r = router();
    r.uninstall();
    assert.deepEqual(r.removed, [CALL_CHANNEL]);
  });
});

describe('event forwarding', () => {
  it('sends engine events to live windows only', () => {
    let listener: (e: EngineEvent) => void = () => undefined;
    const sent: string[] = [];
    const live = { isDestroyed: () => false, send: (c: string, e: EngineEvent) => void sent.push(`${c} ${e.type}`) };
    const dead = { isDestroyed: () => true, send: () => assert.fail('sent to a destroyed window') };
    forwardEvents(
      (l) => ((listener = l), () => undefined),
      () => [live, dead],
    );
    listener({ type: 'status-changed' });
    assert.deepEqual(sent, [`${EVENT_CHANNEL} status-changed`]);
  });
});
