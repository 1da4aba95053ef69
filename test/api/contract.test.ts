/**
 * The API contract (src/shared/api.ts) is the only definition of the user interface's calls. Generated from it,
 * for every method: calls with one malformed argument, or one argument too many, are refused as INVALID_ARGUMENT
 * by all three doors — the renderer client over IPC (preload bridge → IPC router → host), the renderer client over
 * HTTP (serve) and the host itself — and none of them reaches the engine. A valid call of every method passes
 * the same checker, so the refusals are about the malformed part.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installIpcRouter, type InvokeEventLike } from '../../main/ipcRouter.js';
import { APP_ORIGIN } from '../../main/window.js';
import { ApiError, createClient, electronTransport, httpTransport, type ApiClient, type PreloadBridge } from '../../renderer/src/api/client.js';
import { createEngine, type Engine } from '../../src/index.js';
import { startServeApp, type ServeApp } from '../../src/serve/index.js';
import { API, API_METHOD_NAMES, type ApiArgs, type ApiMethodName } from '../../src/shared/api.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** A well-formed call of every method (the compiler insists on one per method, with the contract's types). */
const VALID: { readonly [M in ApiMethodName]: ApiArgs<M> } = {
  hostInfo: [],
  openRepository: [{ path: '/tmp/elsewhere' }],
  keychainStatus: [],
  chooseFolder: [],
  useClinicPassphrase: [{ passphrase: 'uma frase bem comprida' }],
  connectWithKit: [{ recoveryKey: 'palavra '.repeat(32).trim() }],
  status: [],
  getSettings: [],
  updateSettings: [{ language: 'en', clinicName: 'Clínica' }],
  probeSource: [{ source: 'https://fhir.example/fhir', auth: { kind: 'bearer', tokenSecret: 'fhir-token' } }],
  detectDestinations: [],
  offsiteProviders: [],
  browseFolders: [{ path: '/mnt' }],
  addCopy: [{ kind: 'nas', path: '/mnt/nas' }],
  removeCopy: ['/mnt/nas'],
  findPatients: [{ query: 'maria', limit: 5 }],
  sendTestAlert: ['email'],
  alertChannelHealth: [],
  init: [{ useKeychain: false }],
  backupNow: [],
  snapshots: [],
  snapshot: ['latest'],
  check: [{ readData: true }],
  stats: [],
  ls: [{ snapshot: 'latest', types: ['Patient'] }],
  dump: ['latest', 'Patient/1'],
  planRestoreToFolder: [{ patient: 'p1' }],
  planRestoreToServer: [{ target: 'https://target.example/fhir', auth: { kind: 'none' } }],
  restoreToServer: [{ target: 'https://target.example/fhir', auth: { kind: 'none' }, confirmed: true }],
  restoreToFolder: [{ target: '/tmp/out', confirmed: true }],
  recoveryKitStatus: [],
  confirmRecoveryKit: [[{ position: 1, word: 'abacate' }]],
  recoveryKit: ['en'],
  rotateRecoveryKey: [{ confirmed: true }],
  listKeys: [],
  listSecrets: [],
  setSecret: ['fhir-token', 'value'],
  deleteSecret: ['fhir-token'],
  auditLog: [10],
  getDesktopSettings: [],
  updateDesktopSettings: [{ startAtLogin: true }],
  listSources: [],
  addSource: [{ kind: 'folders', name: 'Documentos', paths: ['/srv/documentos'], exclude: ['*.tmp'] }],
  removeSource: ['Documentos'],
  backupSource: ['Documentos'],
  backupAllSources: [],
  listFiles: [{ path: 'Documentos', query: 'laudo', limit: 50 }],
  planRestoreFiles: [{ path: 'Documentos/laudo.pdf', target: '/tmp/out' }],
  restoreFiles: [{ path: 'Documentos/laudo.pdf', target: '/tmp/out' }],
  runSourceDrill: [{ source: 'Documentos' }],
  testDatabaseDump: [{ database: { kind: 'postgres', host: '127.0.0.1', port: 5432, user: 'clinica', database: 'clinica', passwordSecret: 'pg-clinica' } }],
  restoreDatabase: [{ source: 'Sistema', into: 'clinica_restaurada' }],
  runDrill: [],
  listDrills: [],
  drillReport: [1],
  previewRetention: [],
  getPeople: [],
  updatePeople: [{ contacts: [{ role: 'dpo', name: 'Ana', email: 'ana@clinica.test' }], kitLocation: 'cofre' }],
  listIncidents: [],
  recordIncident: [{ title: 'Notebook furtado', discoveredAt: '2026-03-10T12:00:00Z' }],
  updateIncident: [1, { title: 'Notebook furtado', discoveredAt: '2026-03-10T12:00:00Z', anpdNotifiedAt: '2026-03-11T12:00:00Z' }],
  configurationReport: ['dr-plan'],
  listTasks: [],
  cancelTask: ['t1-1'],
};

/** A value no argument of any method accepts: an object with a field no method knows. */
const JUNK = { 'not-a-field': [null] };

/** For each method: every argument position replaced by JUNK in turn, and one argument more than it takes. */
function malformedCalls(): { method: ApiMethodName; args: unknown[]; what: string }[] {
  const out: { method: ApiMethodName; args: unknown[]; what: string }[] = [];
  for (const method of API_METHOD_NAMES) {
    const [, max] = API[method].arity;
    const valid: unknown[] = [...VALID[method]];
    for (let i = 0; i < max; i++) {
      const args = [...valid];
      while (args.length < i) args.push(undefined);
      args[i] = JUNK;
      out.push({ method, args, what: `argument ${i + 1} malformed` });
    }
    const full = [...valid];
    while (full.length < max) full.push(JUNK);
    out.push({ method, args: [...full, JUNK], what: `${max + 1} arguments` });
  }
  return out;
}

/** An engine that records every method called on it. */
function spied(engine: Engine, calls: string[]): Engine {
  return new Proxy(engine, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || prop === 'subscribe' || prop === 'close') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('the API contract: every method refuses malformed calls at every door', () => {
  const engineCalls: string[] = [];
  let app: ServeApp;
  let viaIpc: ApiClient;
  let viaHttp: ApiClient;

  before(async () => {
    const dir = await tempDir();
    const repo = path.join(dir, 'repo');
    await mkdir(repo);
    app = await startServeApp({ repo, locale: 'en', engine: { passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state') }, rendererDir: dir });
    // The same host class serves IPC; a second one here, its engine spied on, so "never reaches the engine" is seen.
    const { EngineHost } = await import('../../src/api/host.js');
    const host = new EngineHost({
      engine: { passwordFile: await writePasswordFile(dir), stateDir: path.join(dir, 'state') },
      repo,
      locale: 'en',
      mode: 'electron',
      createEngine: (o) => spied(createEngine(o), engineCalls),
    });
    after(() => host.close());
    let handler: ((e: InvokeEventLike, ...args: unknown[]) => Promise<unknown>) | null = null;
    installIpcRouter({
      ipcMain: { handle: (_c, l) => void (handler = l), removeHandler: () => undefined },
      call: (m, a, l) => host.call(m, a, l),
      isOurWindow: (id) => id === 1,
      appOrigin: APP_ORIGIN,
      locale: () => host.locale,
    });
    const frame = { sender: { id: 1 }, senderFrame: { url: `${APP_ORIGIN}/index.html`, parent: null } };
    const bridge: PreloadBridge = {
      call: async (method, args, locale) => (await (handler as NonNullable<typeof handler>)(frame, { method, args, ...(locale ? { locale } : {}) })) as never,
      onEvent: () => () => undefined,
    };
    viaIpc = createClient(electronTransport(bridge), 'en');
    viaHttp = createClient(httpTransport(app.origin, { token: app.token }), 'en');
  });
  after(() => app.close());

  it('a valid call of every method passes the checker (the malformed calls below differ from it in one place)', () => {
    for (const method of API_METHOD_NAMES) assert.equal(API[method].problem(VALID[method]), null, method);
    const calls = malformedCalls();
    for (const method of API_METHOD_NAMES) assert.equal(calls.filter((c) => c.method === method).length, API[method].arity[1] + 1, method);
  });

  for (const door of ['the renderer client over IPC', 'the renderer client over HTTP', 'the serve host directly'] as const) {
    it(`${door} refuses every generated malformed call with INVALID_ARGUMENT`, async () => {
      const accepted: string[] = [];
      for (const c of malformedCalls()) {
        const call = door === 'the renderer client over IPC' ? viaIpc : door === 'the renderer client over HTTP' ? viaHttp : null;
        let code: string | null = null;
        if (call) {
          try {
            await (call.call as (m: string, ...a: unknown[]) => Promise<unknown>)(c.method, ...c.args);
          } catch (err) {
            code = err instanceof ApiError ? err.code : 'not an ApiError';
          }
        } else {
          const r = await app.host.call(c.method, c.args);
          code = r.ok ? null : r.error.code;
        }
        if (code !== 'INVALID_ARGUMENT') accepted.push(`${c.method} (${c.what}): ${code ?? 'accepted'}`);
      }
      assert.deepEqual(accepted, []);
    });
  }

  it('none of the malformed calls reached the engine', () => {
    assert.deepEqual(engineCalls, []);
  });

  it('an unknown method is refused at every door', async () => {
    for (const client of [viaIpc, viaHttp]) {
      await assert.rejects((client.call as (m: string, ...a: unknown[]) => Promise<unknown>)('close'), (err: unknown) => err instanceof ApiError && err.code === 'INVALID_ARGUMENT');
    }
    const r = await app.host.call('runScheduler', []);
    assert.equal(!r.ok && r.error.code, 'INVALID_ARGUMENT');
    assert.deepEqual(engineCalls, []);
  });
});
