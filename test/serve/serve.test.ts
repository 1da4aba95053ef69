import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CONTENT_SECURITY_POLICY, REPORT_CONTENT_SECURITY_POLICY } from '../../src/serve/index.js';
import { sandbox } from '../support/fhir.js';
import { tempDir } from '../support/tmp.js';
import { api, headlessServe, raw, seenBodies, sse } from './helpers.js';

const SOURCE_PASSWORD = 'S3cr3t-Source-Pa55word-4711';
const WRONG_PASSWORD = 'definitely-not-the-password-0815';

describe('serve: security', () => {
  it('refuses requests without the token, with a wrong token, and from foreign Host or Origin', async () => {
    const { app } = await headlessServe();
    const noToken = await raw(app.port, { method: 'POST', path: '/api/status', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(noToken.status, 401);
    assert.equal((JSON.parse(noToken.text) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    assert.equal((await raw(app.port, { path: '/api/events' })).status, 401);
    assert.equal((await raw(app.port, { path: '/metrics' })).status, 401);
    assert.equal((await raw(app.port, { path: '/' })).status, 401, 'the app shell too');
    const wrong = await raw(app.port, { method: 'POST', path: '/api/status', headers: { Authorization: 'Bearer nope', 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(wrong.status, 401);

    const bearer = { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' };
    // DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    const rebinding = await raw(app.port, { method: 'POST', path: '/api/status', headers: { ...bearer, Host: `evil.example:${app.port}` }, body: '{}' });
    assert.equal(rebinding.status, 403);
    assert.equal((JSON.parse(rebinding.text) as { error: { code: string } }).error.code, 'FORBIDDEN_ORIGIN');
    const foreignOrigin = await raw(app.port, { method: 'POST', path: '/api/status', headers: { ...bearer, Origin: 'https://evil.example' }, body: '{}' });
    assert.equal(foreignOrigin.status, 403);
    const otherPort = await raw(app.port, { method: 'POST', path: '/api/status', headers: { ...bearer, Origin: `http://127.0.0.1:${app.port + 1}` }, body: '{}' });
    assert.equal(otherPort.status, 403, 'another local port is another origin');
    const crossSite = await raw(app.port, { path: '/metrics', headers: { Authorization: `Bearer ${app.token}`, 'Sec-Fetch-Site': 'cross-site' } });
    assert.equal(crossSite.status, 403);
    // Same origin is fine.
    const sameOrigin = await raw(app.port, { method: 'POST', path: '/api/hostInfo', headers: { ...bearer, Origin: app.origin }, body: '{}' });
    assert.equal(sameOrigin.status, 200);
  });

  it('exchanges the launch URL once for an HttpOnly SameSite cookie; a cookie alone cannot make a cross-site-style POST', async () => {
    const { app } = await headlessServe();
    const launch = await raw(app.port, { path: `/?token=${app.token}` });
    assert.equal(launch.status, 303);
    assert.equal(launch.headers.location, '/');
    const cookie = String(launch.headers['set-cookie']);
    assert.match(cookie, new RegExp(`^${app.cookieName}=`));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    const again = await raw(app.port, { path: `/?token=${app.token}` });
    assert.equal(again.status, 401, 'the launch URL works once');

    const session = cookie.split(';')[0] as string;
    const withCookie = await raw(app.port, { method: 'POST', path: '/api/hostInfo', headers: { Cookie: session, Origin: app.origin, 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(withCookie.status, 200);
    const formPost = await raw(app.port, { method: 'POST', path: '/api/hostInfo', headers: { Cookie: session, 'Content-Type': 'text/plain' }, body: '{}' });
    assert.equal(formPost.status, 403, 'cookie + no Origin + not JSON is refused');
    const otherCookie = await raw(app.port, {
      method: 'POST',
      path: '/api/hostInfo',
      headers: { Cookie: `${app.cookieName}=guess`, Origin: app.origin, 'Content-Type': 'application/json' },
      body: '{}',
    });
    assert.equal(otherCookie.status, 401);
  });

  it('serves the renderer with a strict CSP and never outside its folder', async () => {
    const dir = await tempDir('cb-renderer-');
    await mkdir(path.join(dir, 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>x</title><script type="module" src="/assets/app.js"></script>');
    await writeFile(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    const { app } = await headlessServe({ rendererDir: dir });
    const cookie = String((await raw(app.port, { path: `/?token=${app.token}` })).headers['set-cookie']).split(';')[0] as string;
    const index = await raw(app.port, { path: '/', headers: { Cookie: cookie } });
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval/);
    assert.equal(index.headers['x-frame-options'], 'DENY');
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    const js = await raw(app.port, { path: '/assets/app.js', headers: { Cookie: cookie } });
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /javascript/);
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json']) {
      const r = await raw(app.port, { path: p, headers: { Cookie: cookie } });
      assert.notEqual(r.status, 200, p);
      assert.doesNotMatch(r.text, /"name": "clinic-backup"/);
    }
  });

  it('refuses unknown methods and malformed or dangerous arguments before they reach the engine', async () => {
    const { app } = await headlessServe();
    const unknown = await api(app, 'close');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.error?.code, 'INVALID_ARGUMENT');
    const proto = await api(app, '__proto__');
    assert.equal(proto.status, 400);
    // A page must not make the engine read a local file and send it to a server as a credential.
    const fileAuth = await api(app, 'probeSource', [{ source: 'http://127.0.0.1:9/fhir', auth: { kind: 'bearer', tokenFile: '/etc/passwd' } }]);
    assert.equal(fileAuth.status, 400);
    assert.match(String(fileAuth.error?.message), /auth/);
    const badUrl = await api(app, 'probeSource', [{ source: 'file:///etc/passwd', auth: { kind: 'none' } }]);
    assert.equal(badUrl.status, 400);
    const unconfirmed = await api(app, 'restoreToFolder', [{ snapshot: 'latest', target: '/tmp/x', confirmed: false }]);
    assert.equal(unconfirmed.status, 400);
    const extraKey = await api(app, 'updateSettings', [{ language: 'en', evil: 1 }]);
    assert.equal(extraKey.status, 400);
    const notJson = await raw(app.port, { method: 'POST', path: '/api/status', headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
  });
});

describe('serve: the API end to end (real sandbox, repository, SQLite)', () => {
  it('sets up, backs up with progress over SSE, reports status and metrics, and never returns a secret', async () => {
    const server = await sandbox({ patients: 5, auth: { basic: { username: 'clinic', password: SOURCE_PASSWORD } }, exportPollsBeforeReady: 2, exportRetryAfterSeconds: 1 });
    const { app, passphrase } = await headlessServe();
    const events = sse(app);
    try {
      // Before init the status says where the repository should be.
      const before = await api(app, 'status');
      assert.equal(before.error?.code, 'REPO_MARKER_MISSING', 'an empty folder is not a repository yet');
      const init = await api<{ repoId: string; recoveryKey: string[][]; confirmPositions: [number, number] }>(app, 'init', [{ useKeychain: false, recoveryLanguage: 'en' }]);
      assert.equal(init.status, 200, JSON.stringify(init.error));
      assert.ok(init.value.recoveryKey.flat().length >= 24, 'the recovery key words');

      // Wrong credentials: the probe fails with the fix in the message.
      await api(app, 'setSecret', ['source-candidate-password', WRONG_PASSWORD]);
      const wrong = await api(app, 'probeSource', [{ source: server.url, auth: { kind: 'basic', username: 'clinic', passwordSecret: 'source-candidate-password' } }]);
      assert.equal(wrong.error?.code, 'SOURCE_AUTH');
      await api(app, 'deleteSecret', ['source-candidate-password']);

      const set = await api(app, 'setSecret', ['source-password', SOURCE_PASSWORD]);
      assert.deepEqual(set.value, { name: 'source-password' });
      const auth = { kind: 'basic', username: 'clinic', passwordSecret: 'source-password' };
      const probe = await api<{ fhirVersion: string }>(app, 'probeSource', [{ source: server.url, auth }]);
      assert.equal(probe.status, 200, JSON.stringify(probe.error));
      assert.match(probe.value.fhirVersion, /^4\./);
      const settings = await api(app, 'updateSettings', [{ source: { url: server.url, auth }, schedule: { backup: { kind: 'daily', at: '20:00' }, drill: { kind: 'monthly', day: 1, at: '12:00' } } }]);
      assert.equal(settings.status, 200, JSON.stringify(settings.error));

      const backup = await api<{ snapshot: { resources: number } }>(app, 'backupNow');
      assert.equal(backup.status, 200, JSON.stringify(backup.error));
      assert.equal(backup.value.snapshot.resources, server.store.count());
      await events.waitFor((e) => e['type'] === 'run-started' && e['kind'] === 'backup');
      await events.waitFor((e) => e['type'] === 'progress' && e['op'] === 'backup');
      await events.waitFor((e) => e['type'] === 'run-finished' && e['status'] === 'success');

      const status = await api<{ state: string; snapshots: number; lastSuccessAt: string }>(app, 'status');
      assert.equal(status.value.snapshots, 1);
      assert.ok(status.value.lastSuccessAt);
      const names = await api<string[]>(app, 'listSecrets');
      assert.deepEqual(names.value, ['source-password']);
      const audit = await api<{ action: string }[]>(app, 'auditLog', [50]);
      assert.ok(audit.value.some((e) => e.action === 'repository.init'));
      const ls = await api<{ resources: { type: string; id: string }[] }>(app, 'ls', [{ snapshot: 'latest', types: ['Patient'] }]);
      assert.equal(ls.value.resources.length, 5);
      const first = ls.value.resources[0] as { id: string };
      const dump = await api<{ text: string }>(app, 'dump', ['latest', `Patient/${first.id}`]);
      assert.equal(JSON.parse(dump.value.text).id, first.id);
      await api(app, 'getSettings');
      await api(app, 'hostInfo');
      await api(app, 'recoveryKitStatus');

      const metrics = await raw(app.port, { path: '/metrics', headers: { Authorization: `Bearer ${app.token}` } });
      assert.equal(metrics.status, 200);
      assert.match(metrics.text, /clinic_backup_up 1/);
      assert.match(metrics.text, /clinic_backup_health_score \d+/);
      assert.match(metrics.text, /clinic_backup_last_success_timestamp_seconds \d+/);
      assert.match(metrics.text, /clinic_backup_runs_total\{kind="backup",status="success"\} 1/);
      assert.match(metrics.text, /clinic_backup_run_duration_seconds_count\{kind="backup",status="success"\} 1/);
      // Every SOP-019 §7 indicator, with the same figures as the status: one successful backup → 100 %.
      const withIndicators = await api<{ indicators: { id: string; subject: string | null; value: number | null }[] }>(app, 'status');
      assert.deepEqual(
        [...new Set(withIndicators.value.indicators.map((i) => i.id))],
        ['backupSuccessRate', 'validationRate', 'meanBackupDuration', 'compressionRate', 'recoverySuccessRate', 'rpo', 'rto', 'mttr', 'availability', 'mtbf', 'healthScore'],
      );
      assert.match(metrics.text, /clinic_backup_indicator\{indicator="backupSuccessRate",subject=""\} 1\n/);
      assert.match(metrics.text, /clinic_backup_indicator_target\{indicator="rpo",subject="local"\} 86400\n/);
      assert.match(metrics.text, /clinic_backup_indicator\{indicator="availability",subject=""\} 1\n/);
      assert.doesNotMatch(metrics.text, /clinic_backup_indicator\{indicator="mttr"/, 'no outage yet: no MTTR figure rather than a 0');

      // A restore drill, and its report served with its own CSP (inline styles, no scripts), behind the token.
      const drill = await api<{ id: number; status: string }>(app, 'runDrill');
      assert.equal(drill.status, 200, JSON.stringify(drill.error));
      assert.equal(drill.value.status, 'success');
      const report = await raw(app.port, { path: `/reports/drill/${drill.value.id}`, headers: { Authorization: `Bearer ${app.token}` } });
      assert.equal(report.status, 200);
      assert.equal(report.headers['content-security-policy'], REPORT_CONTENT_SECURITY_POLICY);
      assert.doesNotMatch(REPORT_CONTENT_SECURITY_POLICY, /script-src/);
      assert.match(report.text, /<html/i);
      seenBodies.push(report.text);
      assert.equal((await raw(app.port, { path: `/reports/drill/${drill.value.id}` })).status, 401);
      assert.equal((await raw(app.port, { path: '/reports/drill/999', headers: { Authorization: `Bearer ${app.token}` } })).status, 404);

      // No secret crosses to the user interface: not in any API answer, not in any event, not in metrics.
      const everything = [...seenBodies, events.rawText(), metrics.text].join('\n');
      for (const secret of [SOURCE_PASSWORD, WRONG_PASSWORD, passphrase, app.token, Buffer.from(`clinic:${SOURCE_PASSWORD}`).toString('base64')]) {
        assert.equal(everything.includes(secret), false, `a secret leaked: ${secret.slice(0, 4)}…`);
      }
    } finally {
      events.close();
    }
  });

  it('answers in the language the client asks for', async () => {
    const { app } = await headlessServe();
    const en = await api(app, 'status', [], 'en');
    const pt = await api(app, 'status', [], 'pt-BR');
    assert.equal(en.error?.code, 'REPO_MARKER_MISSING');
    assert.match(String(en.error?.message), /lacks the repository marker/);
    assert.match(String(pt.error?.message), /não tem a marca do repositório/);
  });
});
