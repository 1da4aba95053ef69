/**
 * SMART Backend Services (client credentials with a private-key JWT) against the sandbox requiring it:
 * RS384 and ES384 clients, token expiry mid-run, wrong keys and clients, clock skew, and the CLI.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type JsonWebKey, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { backupFhir } from '../../src/archiver/fhirBackup.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import type { SourceAuth } from '../../src/source/fhir/auth.js';
import { runCli } from '../support/cli.js';
import { assertSnapshotEqualsServer, rejectsWithCode, requestsMatching, sandbox } from '../support/fhir.js';
import { newRepo, writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

interface Client {
  readonly clientId: string;
  readonly pem: string;
  readonly jwk: JsonWebKey;
  readonly kid: string;
}

function client(clientId: string, kind: 'rsa' | 'ec'): Client {
  const { publicKey, privateKey }: { publicKey: KeyObject; privateKey: KeyObject } =
    kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const kid = `${clientId}-key-1`;
  return { clientId, kid, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: kind === 'rsa' ? 'RS384' : 'ES384' } };
}

const RSA = client('clinic-backup-rsa', 'rsa');
const EC = client('clinic-backup-ec', 'ec');
const STRANGER = client('clinic-backup-rsa', 'rsa'); // same client id, another key

function smart(server: SandboxServer, c: Client, extra: Partial<Extract<SourceAuth, { kind: 'smart' }>> = {}): SourceAuth {
  return { kind: 'smart', clientId: c.clientId, privateKeyPem: c.pem, tokenUrl: server.tokenUrl, keyId: c.kid, ...extra };
}

async function repoIn(): Promise<Repository> {
  return (await newRepo(await tempDir())).repo;
}

function smartServer(opts: { tokenLifetimeSeconds?: number; clockOffsetMs?: number } = {}): Promise<SandboxServer> {
  return sandbox({
    patients: 3,
    seed: 51,
    maxResourcesPerFile: 40,
    ...(opts.clockOffsetMs !== undefined ? { clockOffsetMs: opts.clockOffsetMs } : {}),
    auth: {
      smart: {
        clients: [
          { clientId: RSA.clientId, jwk: RSA.jwk },
          { clientId: EC.clientId, jwk: EC.jwk },
        ],
        ...(opts.tokenLifetimeSeconds ? { tokenLifetimeSeconds: opts.tokenLifetimeSeconds } : {}),
      },
    },
  });
}

describe('SMART Backend Services', () => {
  it('RS384 and ES384 clients back up everything by each strategy; every data request carries the token', async () => {
    const server = await smartServer();
    for (const [c, strategy] of [
      [RSA, 'bulk-export'],
      [EC, 'bulk-export'],
      [RSA, 'history'],
      [EC, 'search'],
    ] as const) {
      const repo = await repoIn();
      const before = server.requestLog.length;
      const r = await backupFhir(repo, { baseUrl: server.url, auth: smart(server, c), strategy, pageSize: 50 });
      await assertSnapshotEqualsServer(repo, r.manifest, server, `${c.clientId} ${strategy}`);
      const data = server.requestLog.slice(before).filter((e) => e.target.startsWith('/fhir/') && !e.target.endsWith('/metadata'));
      assert.ok(data.length > 3);
      assert.ok(
        data.every((e) => e.authorization),
        'token sent on every FHIR request (files included)',
      );
    }
  });

  it('an expired access token mid-run is replaced (401 → new token) and the run completes', async () => {
    const server = await smartServer({ tokenLifetimeSeconds: 1 });
    // Every request takes 300 ms, so the 1 s token expires several times during the run.
    server.faults.set({ slow: { delayMs: 300, match: '^/fhir/(?!metadata)' } });
    const repo = await repoIn();
    const r = await backupFhir(repo, { baseUrl: server.url, auth: smart(server, RSA), strategy: 'search', pageSize: 60 });
    await assertSnapshotEqualsServer(repo, r.manifest, server, 'token refresh');
    assert.ok(requestsMatching(server, /^\/auth\/token$/) >= 3, `tokens fetched: ${requestsMatching(server, /^\/auth\/token$/)}`);
  });

  it('an unknown client, a key the server does not know, or a wrong token URL: SOURCE_AUTH; no snapshot', async () => {
    const server = await smartServer();
    const repo = await repoIn();
    await rejectsWithCode(backupFhir(repo, { baseUrl: server.url, auth: smart(server, STRANGER) }), 'SOURCE_AUTH');
    await rejectsWithCode(backupFhir(repo, { baseUrl: server.url, auth: smart(server, RSA, { clientId: 'nobody' }) }), 'SOURCE_AUTH');
    await rejectsWithCode(backupFhir(repo, { baseUrl: server.url, auth: smart(server, RSA, { tokenUrl: `${server.origin}/fhir/token` }) }), 'SOURCE_AUTH');
    await rejectsWithCode(backupFhir(repo, { baseUrl: server.url, auth: smart(server, RSA, { privateKeyPem: 'not a key' }) }), 'INVALID_ARGUMENT');
    assert.deepEqual(await repo.listSnapshots(), []);
  });

  for (const offset of [-20 * 60_000, 20 * 60_000]) {
    it(`clock skew of ${offset / 60_000} min between client and server: the assertion is dated by the server's clock`, async () => {
      const server = await smartServer({ clockOffsetMs: offset });
      const repo = await repoIn();
      const r = await backupFhir(repo, { baseUrl: server.url, auth: smart(server, EC) });
      await assertSnapshotEqualsServer(repo, r.manifest, server, `skew ${offset}`);
    });
  }

  it('CLI: backup --source --auth smart --smart-client-id --smart-key-file --token-url --smart-key-id', async () => {
    const server = await smartServer();
    const dir = await tempDir();
    const keyFile = path.join(dir, 'smart-key.pem');
    await writeFile(keyFile, RSA.pem, { mode: 0o600 });
    const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
    assert.equal((await runCli(['init'], env)).code, 0);
    const args = [
      'backup',
      '--source',
      server.url,
      '--auth',
      'smart',
      '--smart-client-id',
      RSA.clientId,
      '--smart-key-file',
      keyFile,
      '--token-url',
      server.tokenUrl,
      '--smart-key-id',
      RSA.kid,
      '--json',
    ];
    const r = await runCli(args, env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { snapshot: { resources: number; partial: boolean }; strategy: string };
    assert.equal(out.snapshot.resources, server.store.count());
    assert.equal(out.strategy, 'bulk-export');
    assert.ok(!r.stdout.includes('PRIVATE KEY') && !r.stderr.includes('PRIVATE KEY'), 'the key never appears in output');
    await writeFile(keyFile, STRANGER.pem, { mode: 0o600 });
    const bad = await runCli(
      args.filter((a) => a !== '--json'),
      env,
    );
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SOURCE_AUTH/);
    assert.match(bad.stderr, /Check the credentials/);
  });
});
