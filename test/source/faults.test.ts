/**
 * Bad input and faults of issue 3, one test each, against the real sandbox (or a local socket) over HTTP,
 * backing up into a real repository with backupFhir. Each fault ends either in a snapshot equal to the
 * server byte for byte, or in a clear error code and no snapshot, or in a snapshot that says it is partial.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { backupFhir, type FhirBackupOptions, type FhirBackupResult } from '../../src/archiver/fhirBackup.js';
import { toErrorInfo } from '../../src/i18n/index.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import type { SourceAuth } from '../../src/source/fhir/auth.js';
import { assertSnapshotEqualsServer, closedPort, recordingSleep, rejectsWithCode, requestsMatching, sandbox, snapshotResources } from '../support/fhir.js';
import { newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const FILE = /\/_bulk\/[^/]+\/[^/]+\.ndjson$/;
const KICKOFF = /\/\$export\?/;

async function repoIn(): Promise<Repository> {
  return (await newRepo(await tempDir())).repo;
}

function run(repo: Repository, server: SandboxServer | string, opts: Partial<FhirBackupOptions> = {}): Promise<FhirBackupResult> {
  return backupFhir(repo, { baseUrl: typeof server === 'string' ? server : server.url, auth: { kind: 'none' }, pageSize: 50, ...opts });
}

async function noSnapshots(repo: Repository): Promise<void> {
  assert.deepEqual(await repo.listSnapshots(), [], 'no snapshot was written');
}

describe('unreachable servers', () => {
  it('server down (closed port): retried with growing backoff, then SOURCE_UNREACHABLE; no snapshot', async () => {
    const port = await closedPort();
    const repo = await repoIn();
    const { sleep, waits } = recordingSleep();
    const err = await rejectsWithCode(run(repo, `http://127.0.0.1:${port}/fhir`, { sleep }), 'SOURCE_UNREACHABLE');
    assert.match(String(err.details['reason']), /ECONNREFUSED/);
    assert.equal(waits.length, 7, '8 attempts in all');
    assert.ok((waits[6] as number) > (waits[0] as number) * 8, `backoff grows: ${waits.join(', ')}`);
    assert.match(toErrorInfo(err, 'en').message, /did not answer/);
    await noSnapshots(repo);
  });

  it('DNS failure (a name under .invalid, RFC 6761): SOURCE_DNS naming the host; no snapshot', async () => {
    const repo = await repoIn();
    const { sleep } = recordingSleep();
    const err = await rejectsWithCode(run(repo, 'http://fhir.clinic-backup.invalid/fhir', { sleep }), 'SOURCE_DNS');
    assert.equal(err.details['host'], 'fhir.clinic-backup.invalid');
    assert.match(toErrorInfo(err, 'en').message, /fhir\.clinic-backup\.invalid was not found/);
    await noSnapshots(repo);
  });

  it('TLS error (self-signed certificate made with openssl): SOURCE_TLS before any request reaches the server', async (t) => {
    if (!existsSync('/usr/bin/openssl')) {
      t.skip('openssl is not installed: cannot make a certificate');
      return;
    }
    const dir = await tempDir();
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    let served = 0;
    const server = https.createServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => {
      served++;
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end('{"resourceType":"CapabilityStatement","fhirVersion":"4.0.1","rest":[{"mode":"server"}]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const repo = await repoIn();
    const err = await rejectsWithCode(run(repo, `https://127.0.0.1:${port}/fhir`, { auth: { kind: 'bearer', token: 'secret-token' } }), 'SOURCE_TLS');
    assert.match(String(err.details['reason']), /SELF_SIGNED/);
    assert.equal(served, 0, 'no request (and no credentials) went over the unverified connection');
    await noSnapshots(repo);
  });
});

describe('credentials', () => {
  it('401 (no or wrong credentials) is SOURCE_AUTH with "check the credentials"; 403 with credentials is SOURCE_FORBIDDEN "they work but lack permission"; right ones back up everything', async () => {
    const server = await sandbox({ patients: 2, seed: 3, auth: { bearerTokens: ['right-token'], basic: { username: 'clinic', password: 'pw-0123' } } });
    const repo = await repoIn();
    for (const auth of [{ kind: 'none' }, { kind: 'bearer', token: 'wrong-token' }, { kind: 'basic', username: 'clinic', password: 'nope' }] satisfies SourceAuth[]) {
      const err = await rejectsWithCode(run(repo, server, { auth }), 'SOURCE_AUTH');
      assert.equal(err.details['status'], 401);
      assert.match(toErrorInfo(err, 'en').message, /Check the credentials/);
      assert.match(toErrorInfo(err, 'pt-BR').message, /Confira as credenciais/);
    }
    server.faults.set({ serverError: { nth: 1, times: 1000, status: 403, match: '\\$export|_history|_count' } });
    const forbidden = await rejectsWithCode(run(repo, server, { auth: { kind: 'bearer', token: 'right-token' } }), 'SOURCE_FORBIDDEN');
    assert.equal(forbidden.details['status'], 403);
    assert.match(toErrorInfo(forbidden, 'en').message, /credentials work but lack permission .*scopes/);
    assert.match(toErrorInfo(forbidden, 'pt-BR').message, /credenciais funcionam, mas não dão permissão/);
    await noSnapshots(repo);
    server.faults.clear();
    const bearer = await run(repo, server, { auth: { kind: 'bearer', token: 'right-token' } });
    await assertSnapshotEqualsServer(repo, bearer.manifest, server, 'bearer');
    const basic = await run(repo, server, { auth: { kind: 'basic', username: 'clinic', password: 'pw-0123' }, strategy: 'history' });
    await assertSnapshotEqualsServer(repo, basic.manifest, server, 'basic');
  });
});

describe('server faults', () => {
  for (const status of [404, 501]) {
    it(`${status} on $export falls back to the next strategy (_history) and still gets everything`, async () => {
      const server = await sandbox({ patients: 3, seed: 7 });
      server.faults.set({ serverError: { nth: 1, times: 1000, status, match: '\\$export' } });
      const repo = await repoIn();
      const r = await run(repo, server);
      assert.equal(r.strategy, 'history');
      assert.equal(r.manifest.source.strategy, 'history');
      assert.equal(requestsMatching(server, KICKOFF), 1);
      await assertSnapshotEqualsServer(repo, r.manifest, server, `${status} fallback`);
    });
  }

  it('429 storm (Retry-After in seconds and HTTP-date forms): waits as told and completes', async () => {
    const server = await sandbox({ patients: 3, seed: 9, maxResourcesPerFile: 40 });
    const repo = await repoIn();
    // Small real storms: the waits really happen.
    server.faults.set({ tooManyRequests: { count: 2, retryAfterSeconds: 1 } });
    let t = Date.now();
    const seconds = await run(repo, server);
    assert.ok(Date.now() - t >= 1900, 'waited the Retry-After seconds');
    await assertSnapshotEqualsServer(repo, seconds.manifest, server, 'Retry-After seconds');
    server.faults.set({ tooManyRequests: { count: 1, retryAfterSeconds: 2, retryAfterFormat: 'http-date', match: '\\.ndjson' } });
    t = Date.now();
    const date = await run(repo, server, { full: true });
    assert.ok(Date.now() - t >= 900, 'waited until the HTTP-date (1 s resolution)');
    await assertSnapshotEqualsServer(repo, date.manifest, server, 'Retry-After date');
    // A long storm over every request with 30 s Retry-After: the waits are recorded (not slept).
    server.faults.set({ tooManyRequests: { count: 60, retryAfterSeconds: 30 } });
    const { sleep, waits } = recordingSleep(1);
    const storm = await run(repo, server, { full: true, sleep });
    await assertSnapshotEqualsServer(repo, storm.manifest, server, 'storm');
    assert.equal(waits.length, 60, 'one wait per 429');
    assert.ok(
      waits.every((w) => w === 30_000),
      `every wait is the server's Retry-After: ${[...new Set(waits)].join(',')}`,
    );
    // Endless throttling: given up after an hour of waiting on one request, with the status.
    server.faults.set({ tooManyRequests: { count: 1000, retryAfterSeconds: 120 } });
    const endless = recordingSleep(1);
    const err = await rejectsWithCode(run(repo, server, { full: true, sleep: endless.sleep }), 'SOURCE_HTTP');
    assert.equal(err.details['status'], 429);
    assert.equal(endless.waits.length, 30, '30 × 120 s = the one-hour budget');
  });

  it('500 on an output file: the file is fetched again; no resource is lost or stored twice', async () => {
    const server = await sandbox({ patients: 3, seed: 13, maxResourcesPerFile: 40 });
    server.faults.set({ serverError: { nth: 3, times: 2, status: 500, match: '\\.ndjson$' } });
    const repo = await repoIn();
    const r = await run(repo, server, { sleep: recordingSleep(1).sleep });
    const files = server.requestLog.filter((e) => FILE.test(e.target)).map((e) => e.target);
    assert.equal(files.length, new Set(files).size + 2, 'two file requests repeated');
    await assertSnapshotEqualsServer(repo, r.manifest, server, '500 on a file');
  });

  it('connection cut in the middle of an output file, a search page and a history page: fetched again, exact', async () => {
    const server = await sandbox({ patients: 3, seed: 15, maxResourcesPerFile: 60 });
    for (const [strategy, match] of [
      ['bulk-export', 'Observation-2\\.ndjson'],
      ['history', '_history.*_cursor'],
      ['search', 'Observation\\?.*_cursor'],
    ] as const) {
      server.faults.set({ dropConnection: { match, times: 1 } });
      const repo = await repoIn();
      const r = await run(repo, server, { strategy, sleep: recordingSleep(1).sleep });
      assert.equal(server.faults.get().dropConnection?.times, 1);
      await assertSnapshotEqualsServer(repo, r.manifest, server, `cut ${strategy}`);
      assert.equal(r.manifest.totals.added, server.store.count(), 'no resource counted twice');
    }
  });

  it('500 on every try of a file: SOURCE_HTTP and no snapshot', async () => {
    const server = await sandbox({ patients: 2, seed: 17 });
    server.faults.set({ serverError: { nth: 1, times: 1000, status: 500, match: 'Observation-1\\.ndjson' } });
    const repo = await repoIn();
    const err = await rejectsWithCode(run(repo, server, { sleep: recordingSleep(1).sleep }), 'SOURCE_HTTP');
    assert.equal(err.details['status'], 500);
    // Said as what it means for the clinic: the server's own problem, nothing lost, whom to tell.
    assert.match(
      toErrorInfo(err, 'pt-BR').message,
      /^O servidor da clínica teve um problema interno \(erro 500\) em .*Observation-1\.ndjson.*Nada foi perdido; tente de novo mais tarde e, se continuar, avise o suporte do sistema\.$/,
    );
    assert.match(toErrorInfo(err, 'en').message, /^The FHIR server had an internal problem \(HTTP 500\)/);
    await noSnapshots(repo);
  });

  it('NDJSON arriving in tiny pieces (every line split over many network reads): exact', async () => {
    const server = await sandbox({ patients: 1, seed: 35 });
    server.faults.set({ trickle: { chunkBytes: 97, intervalMs: 0, match: '\\.ndjson$' } });
    const repo = await repoIn();
    const r = await run(repo, server);
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'tiny pieces');
  });

  it('truncated NDJSON (file ends mid-line): fetched again once; a file that stays truncated fails the run', async () => {
    const server = await sandbox({ patients: 3, seed: 19 });
    server.faults.set({ truncateNdjson: { match: 'Observation', times: 1 } });
    const repo = await repoIn();
    const r = await run(repo, server);
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'truncated once');
    server.faults.set({ truncateNdjson: { match: 'Observation' } });
    const repo2 = await repoIn();
    const err = await rejectsWithCode(run(repo2, server), 'SOURCE_BAD_RESPONSE');
    assert.match(String(err.details['reason']), /truncated/);
    await noSnapshots(repo2);
  });

  it('a line cut inside a file: the snapshot says it is partial (file:line); the next run is a full pass and complete', async () => {
    const server = await sandbox({ patients: 3, seed: 21 });
    const repo = await repoIn();
    const first = await run(repo, server);
    await assertSnapshotEqualsServer(repo, first.manifest, server, 'first');
    const changed = [...server.store.all()].find((x) => x.type === 'Condition');
    assert.ok(changed);
    server.store.put('Condition', changed.id, changed.text.replace(/"recordedDate":"[^"]+"/, '"recordedDate":"2025-01-02"'));
    // The next export is incremental: its Condition file has one line, cut in half (and the file goes on).
    server.faults.set({ truncateNdjson: { match: 'Condition', afterLines: 0, resume: true, times: 1 } });
    const partial = await run(repo, server);
    assert.equal(partial.manifest.partial, true);
    assert.equal(partial.manifest.problemCount, 1);
    assert.equal(partial.manifest.problems[0]?.code, 'INPUT_MALFORMED');
    assert.match(partial.manifest.problems[0]?.file ?? '', /Condition-1\.ndjson$/);
    assert.equal(partial.manifest.problems[0]?.line, 1);
    const held = await snapshotResources(repo, partial.manifest);
    assert.notEqual(held.get(`Condition/${changed.id}`)?.toString(), server.store.get('Condition', changed.id), 'the change is missing, and the snapshot says so');
    server.faults.clear();
    // Building on the partial snapshot would carry the gap on silently: the next run reads everything.
    const next = await run(repo, server);
    assert.equal(next.manifest.mode, 'full');
    await assertSnapshotEqualsServer(repo, next.manifest, server, 'after partial');
  });

  it('non-JSON bodies (an HTML page with HTTP 200): /metadata, a status poll, a search page, an output file', async () => {
    const server = await sandbox({ patients: 2, seed: 23 });
    const repo = await repoIn();
    server.faults.set({ nonJson: { match: '/metadata$' } });
    await rejectsWithCode(run(repo, server), 'SOURCE_NOT_FHIR');
    server.faults.set({ nonJson: { match: '/_bulk/[^/]+$' } });
    const manifest = await rejectsWithCode(run(repo, server), 'SOURCE_BAD_RESPONSE');
    assert.match(String(manifest.details['reason']), /manifest is not JSON/);
    const deletes = (): number => server.requestLog.filter((e) => e.method === 'DELETE' && /\/_bulk\/[^/]+$/.test(e.target)).length;
    assert.equal(deletes(), 1, 'the abandoned export job is deleted on the server');
    server.faults.set({ nonJson: { match: 'Observation\\?' } });
    const page = await rejectsWithCode(run(repo, server, { strategy: 'search' }), 'SOURCE_BAD_RESPONSE');
    assert.match(String(page.details['reason']), /not JSON/);
    server.faults.set({ nonJson: { match: '_history' } });
    await rejectsWithCode(run(repo, server, { strategy: 'history' }), 'SOURCE_BAD_RESPONSE');
    server.faults.set({ nonJson: { match: 'Observation-1\\.ndjson' } });
    await rejectsWithCode(run(repo, server), 'SOURCE_BAD_RESPONSE');
    assert.equal(deletes(), 2, 'an export abandoned mid-download is deleted too');
    await noSnapshots(repo);
    // Once (a proxy hiccup): the file is fetched again and nothing is missing.
    server.faults.set({ nonJson: { match: 'Observation-1\\.ndjson', times: 1 } });
    const r = await run(repo, server);
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'html once');
  });

  it('export files on another host: refused before any request unless allowed (then with the token), the job deleted; requiresAccessToken false: fetched without the token', async () => {
    const server = await sandbox({ patients: 2, seed: 25, auth: { bearerTokens: ['tok-1'] }, secondHost: true });
    const other = server.secondOrigin as string;
    const otherHost = new URL(other).host;
    server.faults.set({ manifestOrigin: other });
    const repo = await repoIn();
    const jobs = (): number => requestsMatching(server, /\/_bulk\/[^/]+$/);
    const err = await rejectsWithCode(run(repo, server, { auth: { kind: 'bearer', token: 'tok-1' } }), 'SOURCE_FOREIGN_ORIGIN');
    assert.equal(err.details['host'], otherHost);
    assert.equal(err.details['setting'], 'source.allowedHosts');
    assert.equal(server.requestLog.filter((e) => e.host === otherHost).length, 0, 'nothing was requested from the other host');
    assert.ok(
      server.requestLog.some((e) => e.method === 'DELETE' && /\/_bulk\/[^/]+$/.test(e.target)),
      'the abandoned export job was deleted on the server',
    );
    await noSnapshots(repo);
    // Allowed in settings: the token goes there too, and everything arrives.
    const allowed = await run(repo, server, { auth: { kind: 'bearer', token: 'tok-1' }, allowedHosts: [otherHost] });
    await assertSnapshotEqualsServer(repo, allowed.manifest, server, 'allowed host');
    const toOther = server.requestLog.filter((e) => e.host === otherHost);
    assert.ok(toOther.length > 0 && toOther.every((e) => e.authorization), 'the allowed host got the token');
    // requiresAccessToken: false (a pre-signed store): any loopback host, never the token.
    server.faults.set({ manifestRequiresAccessToken: false });
    const before = server.requestLog.length;
    const repo2 = await repoIn();
    const open = await run(repo2, server, { auth: { kind: 'bearer', token: 'tok-1' } });
    await assertSnapshotEqualsServer(repo2, open.manifest, server, 'no token needed');
    const files = server.requestLog.slice(before).filter((e) => e.host === otherHost);
    assert.ok(files.length > 0 && files.every((e) => !e.authorization), 'no Authorization header to the file host');
    assert.ok(jobs() >= 3);
  });

  it('output files expiring before download: the job is started again once; expiring twice is EXPORT_EXPIRED', async () => {
    const server = await sandbox({ patients: 3, seed: 27 });
    server.faults.set({ expireOutputs: { jobs: 1 } });
    const repo = await repoIn();
    const r = await run(repo, server);
    assert.equal(requestsMatching(server, KICKOFF), 2, 'one restart');
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'restarted job');
    server.faults.set({ expireOutputs: true });
    const repo2 = await repoIn();
    const before = requestsMatching(server, KICKOFF);
    await rejectsWithCode(run(repo2, server), 'EXPORT_EXPIRED');
    assert.equal(requestsMatching(server, KICKOFF) - before, 2, 'restarted once, not forever');
    await noSnapshots(repo2);
  });

  it('a file expiring after others were read: the restarted job is the only truth (a resource deleted in between is not kept)', async () => {
    const server = await sandbox({ patients: 3, seed: 33, maxResourcesPerFile: 30 });
    const victim = [...server.store.all()].find((r) => r.type === 'Condition');
    assert.ok(victim);
    // Job 1 serves files until Observation-3 answers 404 (expired); the next kick-off waits 300 ms, and the
    // Condition is deleted on the server in that gap: job 2 no longer has it.
    server.faults.set({ serverError: { nth: 1, times: 1, status: 404, match: 'Observation-3\\.ndjson' }, slow: { delayMs: 300, match: '\\$export' } });
    const start = server.requestLog.length;
    const watcher = setInterval(() => {
      if (server.requestLog.slice(start).some((e) => /Observation-3\.ndjson/.test(e.target)) && server.store.get('Condition', victim.id) !== undefined) server.store.delete('Condition', victim.id);
    }, 2);
    const repo = await repoIn();
    try {
      const r = await run(repo, server);
      assert.equal(requestsMatching(server, KICKOFF), 2, 'one restart');
      assert.equal(server.store.get('Condition', victim.id), undefined);
      await assertSnapshotEqualsServer(repo, r.manifest, server, 'restart after partial download');
    } finally {
      clearInterval(watcher);
    }
  });

  it('an export job that disappears while polled (404 on its status URL) is started again once', async () => {
    const server = await sandbox({ patients: 2, seed: 29, exportPollsBeforeReady: 1 });
    server.faults.set({ serverError: { nth: 1, times: 1, status: 404, match: '/_bulk/[^/]+$' } });
    const repo = await repoIn();
    const r = await run(repo, server, { sleep: recordingSleep(1).sleep });
    assert.equal(requestsMatching(server, KICKOFF), 2);
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'vanished job');
  });

  it('resources in the wrong file (a file of another type): each is stored under its own type, exactly', async () => {
    const server = await sandbox({ patients: 3, seed: 31, maxResourcesPerFile: 40 });
    server.faults.set({ misfileResources: { count: 2 } });
    // The sandbox really mixes types: check one export by hand.
    const k = await fetch(`${server.url}/$export`, { headers: { Prefer: 'respond-async' } });
    await k.arrayBuffer();
    const manifest = (await (await fetch(k.headers.get('content-location') ?? '')).json()) as { output: { type: string; url: string }[] };
    let foreign = 0;
    for (const o of manifest.output) {
      for (const line of (await (await fetch(o.url)).text()).split('\n').filter(Boolean)) if ((JSON.parse(line) as { resourceType: string }).resourceType !== o.type) foreign++;
    }
    assert.ok(foreign >= manifest.output.length, `${foreign} resources in another type's file`);
    const repo = await repoIn();
    const r = await run(repo, server);
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'misfiled');
  });
});
