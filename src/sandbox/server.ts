/**
 * The sandbox FHIR R4 server: an embedded HTTP server on 127.0.0.1 for the demo, restore drills and tests.
 *
 * Design choice — own byte store, not @medplum/fhir-router. We tried medplum 4.5's MemoryRepository and
 * FhirRouter: they keep resources as parsed objects and re-serialise them, so `36.50` comes back as
 * `36.5` (and versionIds become UUIDs); indexing the R4 definitions alone costs ~0.7 s and ~250 MB, and its
 * search is a linear scan per query. The backup product stores the server's bytes, so the sandbox must give
 * back exactly what it stored. Hence:
 *   - store.ts keeps every version's raw bytes in an append-only log (history, deletes, _since, paging);
 *   - jsontext.ts rewrites only `id` and `meta` textually when the server assigns them;
 *   - bundles.ts splices stored bytes verbatim into searchset/history/transaction-response Bundles;
 *   - bulk.ts pins $export jobs to a (transactionTime, sequence) barrier and streams output files from the
 *     store (no copies), split above `maxResourcesPerFile`;
 *   - faults.ts / auth.ts hold the fault switches and Bearer/Basic/SMART Backend Services auth.
 * The patient compartment (patient=/subject= search, Patient/Group $export) comes from patientOf() in
 * synthetic.ts, a table taken from the R4 CompartmentDefinition. No medplum code is loaded at runtime.
 *
 * Routes (base = http://127.0.0.1:PORT/fhir): metadata, .well-known/smart-configuration, CRUD + vread,
 * search, _history (system/type/instance), POST / (transaction, batch), $export (system, Patient, Group),
 * _bulk/<job> (status: GET polls, DELETE cancels) and _bulk/<job>/<file> (NDJSON). Binary also speaks raw
 * content: a read whose Accept is not FHIR JSON answers the bytes with their Content-Type, and a POST/PUT
 * with a non-JSON Content-Type stores the body as the Binary's data. Outside the base: POST /auth/token
 * (SMART), and the control API /_sandbox/faults (GET, POST merge, DELETE clear) and /_sandbox/status, which
 * are never subject to faults or auth. With `secondHost`, a second listener (another port: another origin)
 * serves the same routes, e.g. as the "file host" of export files.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EngineError } from '../shared/index.js';
import { AuthState } from './auth.js';
import { completeJob, createJob, ERROR_FILE, errorFileBody, fileChunks, findFile, manifest, parseExportParams, type ExportJob, type ExportLevel } from './bulk.js';
import { seedAdministration, seedDocuments } from './documents.js';
import { etag, history, processBundle, searchType } from './bundles.js';
import { Faults, parseFaultSettings } from './faults.js';
import { ID_RE, ResourceStore, TYPE_RE, fhirError, type VersionRecord } from './store.js';
import { generateResources, SYNTHETIC_TYPES } from './synthetic.js';
import type { RequestLogEntry, SandboxOptions, SandboxServer, SandboxStore } from './types.js';
import { checkNumber, json, LOG_LIMIT, NDJSON, outcome, readBody, resourceReply, writeBody, type Reply } from './replies.js';

export type { RequestLogEntry, SandboxOptions, SandboxServer, SandboxStore } from './types.js';

export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxServer> {
  checkNumber('port', opts.port, 0);
  checkNumber('patients', opts.patients, 0);
  checkNumber('exportPollsBeforeReady', opts.exportPollsBeforeReady, 0);
  checkNumber('maxResourcesPerFile', opts.maxResourcesPerFile, 1);
  if (opts.host !== undefined && opts.host !== '127.0.0.1') throw new EngineError('INVALID_ARGUMENT', { name: 'host', value: String(opts.host) });
  const faults = new Faults({
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.clockOffsetMs !== undefined ? { clockOffsetMs: opts.clockOffsetMs } : {}),
    ...(opts.faults ?? {}),
  });
  const now = (): number => Date.now() + faults.clockOffsetMs;
  const store = new ResourceStore(now, () => faults.serverMeta?.extra ?? null);
  const authState = new AuthState(now);
  const jobs = new Map<string, ExportJob>();
  const pollsBeforeReady = opts.exportPollsBeforeReady ?? 0;
  const retryAfter = opts.exportRetryAfterSeconds ?? 1;
  const maxPerFile = opts.maxResourcesPerFile ?? 50_000;
  const maxBody = opts.maxBodyBytes ?? 512 * 1024 * 1024;

  // seed
  const patients = opts.patients ?? 10;
  const patientIds: string[] = [];
  for (const r of generateResources({ patients, seed: opts.seed ?? 1, ...(opts.startDate ? { startDate: opts.startDate } : {}) })) {
    store.load(r.type, r.id, r.line, r.patientId);
    if (r.type === 'Patient') patientIds.push(r.id);
  }
  if (opts.createGroup ?? patients > 0) {
    const members = patientIds.map((id) => ({ entity: { reference: `Patient/${id}` } }));
    store.write(
      'Group',
      'all-patients',
      JSON.stringify({ resourceType: 'Group', id: 'all-patients', type: 'person', actual: true, name: 'All patients', quantity: members.length, ...(members.length > 0 ? { member: members } : {}) }),
      { method: 'PUT' },
    );
  }

  let requests = 0;
  const requestLog: RequestLogEntry[] = [];
  let closing = false;
  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  let origin = '';
  let base = '';
  let tokenUrl = '';

  function capabilityStatement(): string {
    const auth = faults.auth;
    const types = [...new Set<string>([...SYNTHETIC_TYPES, 'Group', 'Binary', 'DocumentReference', 'Media', ...store.types()])].sort();
    const searchParam = [
      { name: '_id', type: 'token' },
      { name: '_lastUpdated', type: 'date' },
      { name: 'patient', type: 'reference' },
      { name: 'subject', type: 'reference' },
    ];
    const interaction = ['read', 'vread', 'update', 'delete', 'create', 'search-type', 'history-instance', 'history-type'].map((code) => ({ code }));
    const noUpdateCreate = faults.noUpdateCreate;
    const resource = types.map((type) => ({
      type,
      interaction,
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: !(noUpdateCreate && noUpdateCreate.advertise),
      searchParam,
      ...(type === 'Patient' ? { operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' }] } : {}),
      ...(type === 'Group' ? { operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' }] } : {}),
    }));
    const security = auth?.smart
      ? {
          service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
          extension: [{ url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris', extension: [{ url: 'token', valueUri: tokenUrl }] }],
        }
      : auth
        ? { description: 'Bearer or Basic credentials required' }
        : undefined;
    return JSON.stringify({
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: new Date(now()).toISOString(),
      publisher: 'Clinic Backup sandbox',
      kind: 'instance',
      instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
      software: { name: 'Clinic Backup sandbox FHIR server', version: '0.1.0' },
      implementation: { description: 'Embedded sandbox FHIR R4 server', url: base },
      fhirVersion: '4.0.1',
      format: ['application/fhir+json', 'json'],
      rest: [
        {
          mode: 'server',
          ...(security ? { security } : {}),
          resource,
          interaction: [{ code: 'transaction' }, { code: 'batch' }, ...(faults.hideHistory ? [] : [{ code: 'history-system' }])],
          searchParam: [
            { name: '_count', type: 'number' },
            { name: '_sort', type: 'string' },
          ],
          ...(faults.hideExport ? {} : { operation: [{ name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export' }] }),
        },
      ],
    });
  }

  function smartConfiguration(): Reply {
    if (!faults.auth?.smart) return outcome(404, 'not-found', 'SMART is not enabled on this sandbox');
    return json(
      200,
      JSON.stringify({
        token_endpoint: tokenUrl,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        grant_types_supported: ['client_credentials'],
        scopes_supported: ['system/*.read', 'system/*.rs'],
        capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
      }),
      {},
      'application/json',
    );
  }

  async function tokenEndpoint(req: http.IncomingMessage): Promise<Reply> {
    if (req.method !== 'POST') return json(405, JSON.stringify({ error: 'invalid_request', error_description: 'POST only' }), {}, 'application/json');
    const form = new URLSearchParams(await readBody(req, 1024 * 1024));
    const result = authState.token(faults.auth ?? {}, form, tokenUrl);
    if ('error' in result) return json(result.status, JSON.stringify({ error: result.error, error_description: result.description }), { 'Cache-Control': 'no-store' }, 'application/json');
    return json(200, JSON.stringify(result), { 'Cache-Control': 'no-store', Pragma: 'no-cache' }, 'application/json');
  }

  async function control(req: http.IncomingMessage, path: string): Promise<Reply> {
    if (path === '/_sandbox/status' && req.method === 'GET') {
      const counts: Record<string, number> = {};
      for (const t of store.types()) counts[t] = store.count(t);
      return json(200, JSON.stringify({ url: base, requests, resources: store.count(), counts, jobs: jobs.size }), {}, 'application/json');
    }
    if (path !== '/_sandbox/faults') return outcome(404, 'not-found', 'unknown control path');
    if (req.method === 'GET') return json(200, JSON.stringify(faults.get()), {}, 'application/json');
    if (req.method === 'DELETE') {
      faults.clear();
      return json(200, JSON.stringify(faults.get()), {}, 'application/json');
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req, 1024 * 1024));
      } catch {
        return outcome(400, 'structure', 'the body is not JSON');
      }
      try {
        faults.set(parseFaultSettings(parsed));
      } catch (err) {
        return outcome(400, 'invalid', err instanceof EngineError ? `${err.code} ${JSON.stringify(err.details)}` : 'invalid fault settings');
      }
      return json(200, JSON.stringify(faults.get()), {}, 'application/json');
    }
    return outcome(405, 'not-supported', 'method not allowed');
  }

  async function kickOff(req: http.IncomingMessage, url: URL, level: ExportLevel, groupId?: string): Promise<Reply> {
    if (req.method !== 'GET' && req.method !== 'POST') return outcome(405, 'not-supported', 'GET or POST');
    const prefer = String(req.headers['prefer'] ?? '').toLowerCase();
    if (!prefer.includes('respond-async')) return outcome(400, 'invalid', 'the $export kick-off requires the header Prefer: respond-async');
    const body = req.method === 'POST' ? await readBody(req, maxBody) : null;
    const params = parseExportParams(level, groupId, url.searchParams, body, prefer.includes('handling=lenient'));
    // SMART: a token without an export scope may read but not export (Medplum refuses system/*.read there).
    const exportScopes = faults.auth?.smart?.exportScopes;
    const scope = authState.scopeOf(req.headers.authorization);
    if (exportScopes && scope !== null && !scope.split(/\s+/).some((x) => exportScopes.includes(x))) return outcome(403, 'forbidden', `the scope ${scope} does not allow $export`);
    const job = createJob(store, params, `${origin}${req.url ?? ''}`, { pollsBeforeReady, requiresAccessToken: faults.manifestRequiresAccessToken ?? faults.auth !== undefined });
    jobs.set(job.id, job);
    return outcome(202, 'informational', `export job ${job.id} accepted`, { 'Content-Location': `${base}/_bulk/${job.id}` });
  }

  function exportStatus(req: http.IncomingMessage, jobId: string): Reply {
    const job = jobs.get(jobId);
    if (req.method === 'DELETE') {
      if (!job) return outcome(404, 'not-found', `no export job ${jobId}`);
      jobs.delete(jobId);
      return outcome(202, 'informational', `export job ${jobId} cancelled`);
    }
    if (req.method !== 'GET') return outcome(405, 'not-supported', 'GET or DELETE');
    if (!job) return outcome(404, 'not-found', `no export job ${jobId}`);
    if (faults.exportStalled(job.id)) return { status: 202, headers: { 'Retry-After': String(retryAfter), 'X-Progress': 'in progress' } };
    job.polls++;
    if (job.polls <= job.pollsBeforeReady) {
      const pct = Math.floor((100 * (job.polls - 1)) / Math.max(1, job.pollsBeforeReady));
      return { status: 202, headers: { 'Retry-After': String(retryAfter), 'X-Progress': `in progress: ${pct}%` } };
    }
    completeJob(store, job, maxPerFile, faults.misfiledPerFile, faults.failedExportFiles);
    const fileOrigin = faults.manifestOrigin ?? origin;
    return json(
      200,
      manifest(job, (name) => `${fileOrigin}/fhir/_bulk/${job.id}/${name}`),
      { Expires: new Date(now() + 3_600_000).toUTCString() },
      'application/json',
    );
  }

  function exportFile(req: http.IncomingMessage, target: string, jobId: string, name: string): Reply {
    if (req.method !== 'GET') return outcome(405, 'not-supported', 'GET only');
    const job = jobs.get(jobId);
    if (!job || faults.outputsExpired(jobId)) return outcome(404, 'not-found', 'the export file does not exist or has expired');
    const errors = name === ERROR_FILE ? errorFileBody(job) : null;
    if (errors !== null) return { status: 200, headers: { 'Content-Type': NDJSON }, body: errors };
    const file = findFile(job, name);
    if (!file) return outcome(404, 'not-found', `no file ${name} in job ${jobId}`);
    return { status: 200, headers: { 'Content-Type': NDJSON }, body: fileChunks(file, faults.truncateFor(target)) };
  }

  function rejectIfFaulted(type: string, id: string): void {
    const r = faults.rejectionFor(type, id);
    if (r) throw fhirError(r.status, 'processing', r.diagnostics);
  }

  /** A Binary's content as raw bytes with its Content-Type. */
  function binaryContent(r: VersionRecord): Reply {
    const parsed = JSON.parse((r.body as Buffer).toString('utf8')) as { contentType?: unknown; data?: unknown };
    const data = typeof parsed.data === 'string' ? Buffer.from(parsed.data, 'base64') : Buffer.alloc(0);
    return { status: 200, headers: { 'Content-Type': typeof parsed.contentType === 'string' ? parsed.contentType : 'application/octet-stream', ETag: etag(r) }, body: data };
  }

  async function route(req: http.IncomingMessage, url: URL, target: string, rel: string): Promise<Reply> {
    const method = req.method ?? 'GET';
    let seg: string[];
    try {
      seg = rel
        .split('/')
        .filter((s) => s.length > 0)
        .map((s) => decodeURIComponent(s));
    } catch {
      return outcome(400, 'invalid', 'malformed URL');
    }
    const nowMs = now();
    const [a, b, c, d] = seg;
    if (a === undefined) {
      if (method !== 'POST') return outcome(404, 'not-found', 'use POST for transaction or batch bundles');
      const text = await readBody(req, maxBody);
      const returnResources = String(req.headers['prefer'] ?? '').includes('return=representation');
      return json(200, processBundle(store, base, text, { returnResources, nowMs, reject: (t, i) => faults.rejectionFor(t, i), noUpdateCreate: faults.noUpdateCreate?.status ?? null }));
    }
    if (a === 'metadata' && seg.length === 1) return json(200, capabilityStatement());
    if (a === '.well-known' && b === 'smart-configuration') return smartConfiguration();
    if (a === '$export' && seg.length === 1) return kickOff(req, url, 'system');
    if (a === '_history' && seg.length === 1) {
      if (method !== 'GET') return outcome(405, 'not-supported', 'GET only');
      return json(200, history({ store, base, log: store.log, params: url.searchParams, selfUrl: url, nowMs }));
    }
    if (a === '_bulk' && b !== undefined && seg.length === 2) return exportStatus(req, b);
    if (a === '_bulk' && b !== undefined && c !== undefined && seg.length === 3) return exportFile(req, target, b, c);
    if (!TYPE_RE.test(a)) return outcome(404, 'not-found', `unknown path /${seg.join('/')}`);
    const type = a;
    const refusal = faults.searchRefusal(type);
    if (seg.length === 1) {
      if (method === 'GET') {
        if (refusal !== null) return outcome(refusal, 'not-supported', `Cannot search on ${type}`);
        return json(200, searchType({ store, base, type, params: url.searchParams, selfUrl: url, nowMs, paging: faults.paging, maxCount: faults.maxCount }));
      }
      if (method === 'POST') {
        const body = await writeBody(req, type, undefined, maxBody);
        rejectIfFaulted(type, '');
        const r = store.write(type, undefined, body, { method: 'POST' });
        return resourceReply(201, r, base);
      }
      return outcome(405, 'not-supported', `${method} /${type} is not supported`);
    }
    if (b === '_search' && seg.length === 2 && (method === 'POST' || method === 'GET')) {
      if (refusal !== null) return outcome(refusal, 'not-supported', `Cannot search on ${type}`);
      const params = new URLSearchParams(url.searchParams);
      if (method === 'POST') for (const [k, v] of new URLSearchParams(await readBody(req, 1024 * 1024))) params.append(k, v);
      return json(200, searchType({ store, base, type, params, selfUrl: url, nowMs, paging: faults.paging, maxCount: faults.maxCount }));
    }
    if (b === '_history' && seg.length === 2) {
      if (method !== 'GET') return outcome(405, 'not-supported', 'GET only');
      return json(200, history({ store, base, log: store.typeLog(type), params: url.searchParams, selfUrl: url, nowMs }));
    }
    if (b === '$export' && seg.length === 2) {
      if (type !== 'Patient') return outcome(404, 'not-supported', `$export is not defined on ${type}`);
      return kickOff(req, url, 'patient');
    }
    if (b === undefined || !ID_RE.test(b)) return outcome(400, 'invalid', `invalid id in /${seg.join('/')}`);
    const id = b;
    if (type === 'Group' && c === '$export' && seg.length === 3) return kickOff(req, url, 'group', id);
    if (seg.length === 2) {
      if (method === 'GET') {
        const r = store.read(type, id);
        if (!r) return outcome(404, 'not-found', `${type}/${id} not found`);
        if (r.body === null) return outcome(410, 'deleted', `${type}/${id} was deleted`, { ETag: etag(r) });
        if (type === 'Binary' && !/json/i.test(String(req.headers.accept ?? 'application/fhir+json'))) return binaryContent(r);
        return resourceReply(200, r, base);
      }
      if (method === 'PUT') {
        const before = store.read(type, id);
        const ifMatch = req.headers['if-match'];
        const body = await writeBody(req, type, id, maxBody);
        rejectIfFaulted(type, id);
        const refuse = faults.noUpdateCreate;
        if (refuse && (!before || before.body === null)) return outcome(refuse.status, 'not-supported', `${type}/${id} does not exist and this server does not create resources by PUT (use POST)`);
        const r = store.write(type, id, body, { method: 'PUT', ifMatch: typeof ifMatch === 'string' ? ifMatch : undefined });
        return resourceReply(before && before.body !== null ? 200 : 201, r, base);
      }
      if (method === 'DELETE') {
        const r = store.delete(type, id);
        return { status: 204, headers: r ? { ETag: etag(r) } : {} };
      }
      return outcome(405, 'not-supported', `${method} is not supported here`);
    }
    if (c === '_history' && method === 'GET') {
      if (seg.length === 3) {
        const chain: VersionRecord[] = [];
        for (let r = store.read(type, id) ?? null; r; r = r.prev) chain.push(r);
        if (chain.length === 0) return outcome(404, 'not-found', `${type}/${id} not found`);
        chain.reverse();
        return json(200, history({ store, base, log: chain, params: url.searchParams, selfUrl: url, nowMs }));
      }
      if (seg.length === 4 && d !== undefined && /^\d+$/.test(d)) {
        const r = store.version(type, id, Number(d));
        if (!r) return outcome(404, 'not-found', `${type}/${id}/_history/${d} not found`);
        if (r.body === null) return outcome(410, 'deleted', `${type}/${id}/_history/${d} is a deletion`);
        return resourceReply(200, r, base);
      }
    }
    if (type === 'Patient' && c !== undefined && TYPE_RE.test(c) && seg.length === 3 && method === 'GET') {
      return json(200, searchType({ store, base, type: c, params: url.searchParams, selfUrl: url, nowMs, compartmentPatient: id }));
    }
    return outcome(404, 'not-found', `unknown path /${seg.join('/')}`);
  }

  async function writeChunk(res: http.ServerResponse, chunk: Buffer): Promise<boolean> {
    if (res.destroyed || closing) return false;
    if (res.write(chunk)) return true;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        res.off('drain', onDrain);
        res.off('close', onClose);
        resolve(ok);
      };
      const onDrain = (): void => done(true);
      const onClose = (): void => done(false);
      res.on('drain', onDrain);
      res.on('close', onClose);
    });
  }

  async function send(res: http.ServerResponse, reply: Reply, target: string): Promise<void> {
    const trickle = faults.trickleFor(target);
    const headers: Record<string, string> = { Date: new Date(now()).toUTCString(), ...reply.headers };
    const body = reply.body;
    if (body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const drop = faults.dropFor(target);
    if (drop !== null) {
      // Connection cut mid-body: the full length is announced, part of the body is sent, then the socket closes.
      const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.isBuffer(body) ? body : Buffer.concat([...body]);
      const cut = Math.min(buf.length - 1, drop === -1 ? Math.floor(buf.length / 2) : drop);
      res.writeHead(reply.status, { ...headers, 'Content-Length': String(buf.length) });
      res.write(buf.subarray(0, Math.max(0, cut)), () => res.destroy());
      return;
    }
    let chunks: Iterable<Buffer>;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
      if (!trickle) {
        res.writeHead(reply.status, { ...headers, 'Content-Length': String(buf.length) });
        res.end(buf);
        return;
      }
      chunks = [buf];
    } else {
      chunks = body;
    }
    res.writeHead(reply.status, headers);
    try {
      for (const chunk of chunks) {
        if (trickle) {
          for (let i = 0; i < chunk.length; i += trickle.chunkBytes) {
            if (!(await writeChunk(res, chunk.subarray(i, i + trickle.chunkBytes)))) return;
            await sleep(trickle.intervalMs);
          }
        } else if (!(await writeChunk(res, chunk))) {
          return;
        }
      }
      res.end();
    } catch {
      res.destroy();
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      await send(res, outcome(400, 'invalid', 'malformed URL'), '');
      return;
    }
    const path = url.pathname;
    const target = `${path}${url.search}`;
    if (path.startsWith('/_sandbox/')) {
      // A control request that fails answers 500 (the test that sent it sees it).
      await send(res, await control(req, path).catch(() => outcome(500, 'exception', 'control error')), '');
      return;
    }
    requests++;
    requestLog.push({ method: req.method ?? 'GET', target, host: req.headers.host ?? '', authorization: req.headers.authorization !== undefined });
    if (requestLog.length > LOG_LIMIT) requestLog.splice(0, requestLog.length - LOG_LIMIT);
    let reply: Reply;
    try {
      const fault = faults.onRequest(target, now());
      const delay = faults.delayFor(target);
      if (delay > 0) await sleep(delay);
      if (fault?.kind === 'throttle') {
        reply = outcome(429, 'throttled', 'too many requests (sandbox fault)', { 'Retry-After': fault.retryAfter });
      } else if (fault?.kind === 'error') {
        reply = outcome(fault.status, 'exception', `injected failure ${fault.status} (sandbox fault)`);
      } else if (faults.nonJsonFor(target)) {
        reply = {
          status: 200,
          headers: { 'Content-Type': 'text/html; charset=utf-8' },
          body: '<!doctype html><html><body><h1>Service temporarily unavailable</h1><p>sandbox fault</p></body></html>\n',
        };
      } else if (path === '/auth/token') {
        reply = await tokenEndpoint(req);
      } else if (path === '/fhir' || path.startsWith('/fhir/')) {
        const rel = path.slice('/fhir'.length) || '/';
        // Export files of a job whose manifest says requiresAccessToken: false are open (like pre-signed URLs).
        const file = /^\/_bulk\/([^/]+)\/[^/]+$/.exec(rel);
        const openFile = file !== null && jobs.get(decodeURIComponent(file[1] ?? ''))?.requiresAccessToken === false;
        const open = rel === '/metadata' || rel === '/.well-known/smart-configuration' || openFile;
        const auth = faults.auth;
        const denied = !open && auth ? authState.check(auth, req.headers.authorization) : null;
        reply = denied ? outcome(401, 'login', 'authentication required', { 'WWW-Authenticate': denied.wwwAuthenticate }) : await route(req, url, target, rel);
      } else {
        reply = outcome(404, 'not-found', `unknown path ${path}; the FHIR base is ${base}`);
      }
    } catch (err) {
      if (err instanceof EngineError && typeof err.details['status'] === 'number') {
        reply = outcome(err.details['status'], String(err.details['issue'] ?? 'processing'), String(err.details['diagnostics'] ?? err.code));
      } else {
        reply = outcome(500, 'exception', 'internal error');
      }
    }
    await send(res, reply, target);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    // A request that fails after its answer started is cut (the client sees a broken response), else 500.
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.destroy();
    });
  };
  const listen = async (port: number): Promise<http.Server> => {
    const srv = http.createServer(listener);
    srv.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        srv.off('error', reject);
        resolve();
      });
    });
    return srv;
  };
  const server = await listen(opts.port ?? 0);
  const second = opts.secondHost ? await listen(0) : null;
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  base = `${origin}/fhir`;
  tokenUrl = `${origin}/auth/token`;
  const secondOrigin = second ? `http://127.0.0.1:${(second.address() as AddressInfo).port}` : null;
  const documents = opts.documents ? seedDocuments(store, base, patientIds, opts.documents, opts.seed ?? 1) : [];
  if (opts.administration) seedAdministration(store);

  const facade: SandboxStore = {
    count: (type) => store.count(type),
    get: (type, id) => store.read(type, id)?.body?.toString('utf8'),
    *all() {
      for (const r of store.liveRecords()) yield { type: r.type, id: r.id, text: (r.body as Buffer).toString('utf8') };
    },
    put: (type, id, text) => (store.write(type, id, text, { method: 'PUT' }).body as Buffer).toString('utf8'),
    delete: (type, id) => store.delete(type, id) !== undefined,
  };

  return {
    url: base,
    origin,
    port,
    secondOrigin,
    documents,
    tokenUrl,
    controlUrl: `${origin}/_sandbox/faults`,
    faults,
    store: facade,
    get requests() {
      return requests;
    },
    get requestLog() {
      return requestLog;
    },
    close: async () => {
      if (closing) return;
      closing = true;
      for (const t of timers) {
        clearTimeout(t.timer);
        t.resolve();
      }
      timers.clear();
      const closed = Promise.all([server, ...(second ? [second] : [])].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve())))).then(() => undefined);
      server.closeIdleConnections();
      second?.closeIdleConnections();
      // give in-flight responses a moment, then cut what remains
      await Promise.race([closed, new Promise((r) => setTimeout(r, 200).unref())]);
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
