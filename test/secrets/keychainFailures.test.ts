// The keychain refuses clearly, quickly and without leaking when it cannot be used: no D-Bus, no Secret
// Service on the bus, no default collection, a locked collection. Each case runs in a child process
// with its own environment (its own private bus where one is needed), so the shared test keyring of
// scripts/with-keyring.sh is never locked or disturbed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/tmp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixture = path.join(root, 'test', 'secrets', 'fixtures', 'keychainScenario.ts');

interface Outcome {
  ok: boolean;
  value?: unknown;
  code?: string;
  details?: Record<string, unknown>;
  visible?: string;
  ms: number;
}
type Scenario = Record<'probe' | 'open' | 'set' | 'getSeeded' | 'deleteSeeded' | 'list', Outcome>;

/** A child environment without any desktop: no display (no unlock prompt can appear), no inherited keyring session. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['DISPLAY', 'WAYLAND_DISPLAY', 'CLINIC_BACKUP_IN_KEYRING', 'GNOME_KEYRING_CONTROL', 'CLINIC_BACKUP_PASSWORD_FILE']) delete env[k];
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 90_000): Promise<{ stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: root, env, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`));
      else resolve({ stdout, stderr, ms: Date.now() - started });
    });
  });
}

function lastJson<T>(stdout: string): T {
  const line = stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  assert.ok(line, `no JSON in child output: ${stdout}`);
  return JSON.parse(line) as T;
}

const nodeArgs = (...rest: string[]): string[] => ['--import', 'tsx', fixture, ...rest];

function assertRefused(result: Scenario, code: string, reasonCode: string, secret: string, ops: (keyof Scenario)[]): void {
  assert.equal(result.probe.ok, true, 'probeKeychain reports, never throws');
  const probe = result.probe.value as { available: boolean; code?: string; reason?: string; reasonCode?: string };
  assert.equal(probe.available, false);
  assert.equal(probe.code, code);
  assert.equal(probe.reasonCode, reasonCode);
  assert.equal(typeof probe.reason, 'string');
  assert.ok(result.probe.ms < 10_000, `probe took ${result.probe.ms} ms`);
  for (const op of ops) {
    const o = result[op];
    assert.equal(o.ok, false, `${op} should fail`);
    assert.equal(o.code, code, `${op}: ${o.visible}`);
    assert.equal(o.details?.['reasonCode'], reasonCode, `${op}: ${o.visible}`);
    assert.ok(o.ms < 10_000, `${op} took ${o.ms} ms`);
  }
  for (const [op, o] of Object.entries(result)) {
    assert.ok(!JSON.stringify(o).includes(secret), `${op} leaked the secret value`);
  }
}

const secretValue = (): string => `S3cr3t-${randomBytes(8).toString('hex')}-value`;
const service = (): string => `clinic-backup-test-${randomBytes(4).toString('hex')}`;

describe('keychain unavailable or locked', () => {
  it('no D-Bus at all (socket missing): KEYCHAIN_UNAVAILABLE "no D-Bus session bus", quickly', async () => {
    const secret = secretValue();
    const { stdout } = await run(process.execPath, nodeArgs('try', service(), secret), childEnv({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/clinic-backup/bus' }));
    const result = lastJson<Scenario>(stdout);
    assertRefused(result, 'KEYCHAIN_UNAVAILABLE', 'no-dbus', secret, ['open', 'set', 'getSeeded', 'deleteSeeded', 'list']);
    assert.equal((result.probe.value as { reason: string }).reason, 'no D-Bus session bus');
    assert.match(result.open.visible ?? '', /No system keychain available \(no D-Bus session bus\)/);
  });

  it('no D-Bus variable and no runtime bus socket: KEYCHAIN_UNAVAILABLE "no D-Bus session bus"', async () => {
    const runtime = await tempDir('cb-noruntime-');
    const secret = secretValue();
    const { stdout } = await run(process.execPath, nodeArgs('try', service(), secret), childEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: runtime }));
    assertRefused(lastJson<Scenario>(stdout), 'KEYCHAIN_UNAVAILABLE', 'no-dbus', secret, ['open', 'set', 'getSeeded', 'deleteSeeded', 'list']);
  });

  it('a D-Bus session with no Secret Service on it: KEYCHAIN_UNAVAILABLE "no Secret Service on D-Bus"', async () => {
    const dir = await tempDir('cb-bus-');
    // A session bus that can activate nothing: no service directories, so nobody provides org.freedesktop.secrets.
    const config = path.join(dir, 'session.conf');
    await writeFile(
      config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=${dir}</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
`,
    );
    const secret = secretValue();
    const { stdout } = await run('dbus-run-session', [`--config-file=${config}`, '--', process.execPath, ...nodeArgs('try', service(), secret)], childEnv({ DBUS_SESSION_BUS_ADDRESS: undefined }));
    const result = lastJson<Scenario>(stdout);
    assertRefused(result, 'KEYCHAIN_UNAVAILABLE', 'no-provider', secret, ['open', 'set', 'getSeeded', 'deleteSeeded', 'list']);
    assert.equal((result.probe.value as { reason: string }).reason, 'no Secret Service on D-Bus');
  });

  it('a Secret Service without a default keyring (never logged in): KEYCHAIN_UNAVAILABLE, no fallback store', async () => {
    const dir = await tempDir('cb-nodefault-');
    const secret = secretValue();
    // gnome-keyring started with an empty unlock password creates no "login" collection and no default alias.
    const script = `
      printf '' | XDG_RUNTIME_DIR="$CB_DIR" gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
      daemon=$!
      tries=0
      until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
          org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
        tries=$((tries + 1)); if [ "$tries" -ge 200 ]; then kill "$daemon"; echo 'daemon did not start' >&2; exit 1; fi
        sleep 0.05
      done
      "$CB_NODE" --import tsx "$CB_FIXTURE" try "$CB_SERVICE" "$CB_SECRET"
      status=$?
      kill "$daemon"; wait "$daemon" 2>/dev/null
      exit $status`;
    const { stdout } = await run(
      'dbus-run-session',
      ['--', 'sh', '-c', script],
      childEnv({
        DBUS_SESSION_BUS_ADDRESS: undefined,
        XDG_DATA_HOME: dir,
        CB_DIR: dir,
        CB_NODE: process.execPath,
        CB_FIXTURE: fixture,
        CB_SERVICE: service(),
        CB_SECRET: secret,
      }),
    );
    const result = lastJson<Scenario>(stdout);
    assertRefused(result, 'KEYCHAIN_UNAVAILABLE', 'no-default-collection', secret, ['open', 'set']);
  });

  it('a locked keyring: KEYCHAIN_LOCKED for probe, open, set, get, delete and list; no secret in any error', async () => {
    const secret = secretValue();
    const svc = service();
    // A private with-keyring session of its own: seed a secret, lock the login collection over D-Bus, then try.
    const script = `
      "$CB_NODE" --import tsx "$CB_FIXTURE" seed "$CB_SERVICE" "$CB_SECRET" || exit 1
      dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \\
        org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 1
      dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets/collection/login \\
        org.freedesktop.DBus.Properties.Get string:org.freedesktop.Secret.Collection string:Locked | grep -q 'boolean true' || exit 1
      "$CB_NODE" --import tsx "$CB_FIXTURE" try "$CB_SERVICE" "$CB_SECRET"`;
    const { stdout } = await run(
      'sh',
      [path.join(root, 'scripts', 'with-keyring.sh'), 'sh', '-c', script],
      childEnv({ CB_NODE: process.execPath, CB_FIXTURE: fixture, CB_SERVICE: svc, CB_SECRET: secret }),
    );
    assert.match(stdout, /"seeded":true/);
    const result = lastJson<Scenario>(stdout);
    assertRefused(result, 'KEYCHAIN_LOCKED', 'locked', secret, ['open', 'set', 'getSeeded', 'deleteSeeded', 'list']);
    assert.match(result.open.visible ?? '', /The system keychain is locked/);
  });

  it('a Secret Service that never answers: KEYCHAIN_UNAVAILABLE "timeout" within the limit, no hang', async () => {
    const secret = secretValue();
    // Freeze the daemon of a private keyring session (SIGSTOP): every call to it now waits forever.
    const script = `
      "$CB_NODE" --import tsx "$CB_FIXTURE" seed "$CB_SERVICE" "$CB_SECRET" || exit 1
      pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \\
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk '/uint32/ { print $2 }')
      [ -n "$pid" ] || exit 1
      kill -STOP "$pid"
      timeout 60 "$CB_NODE" --import tsx "$CB_FIXTURE" hang "$CB_SERVICE" "$CB_SECRET"
      status=$?
      kill -CONT "$pid"
      exit $status`;
    const { stdout, ms } = await run(
      'sh',
      [path.join(root, 'scripts', 'with-keyring.sh'), 'sh', '-c', script],
      childEnv({ CB_NODE: process.execPath, CB_FIXTURE: fixture, CB_SERVICE: service(), CB_SECRET: secret }),
    );
    const result = lastJson<Scenario>(stdout);
    assertRefused(result, 'KEYCHAIN_UNAVAILABLE', 'timeout', secret, ['open', 'set', 'getSeeded', 'deleteSeeded', 'list']);
    for (const [op, o] of Object.entries(result)) assert.ok(o.ms >= 1400 && o.ms < 5000, `${op} took ${o.ms} ms`);
    assert.ok(ms < 30_000, `the whole scenario took ${ms} ms`);
  });

  it('finds the session bus from $XDG_RUNTIME_DIR/bus when DBUS_SESSION_BUS_ADDRESS is unset (ssh sessions)', async () => {
    const address = process.env['DBUS_SESSION_BUS_ADDRESS'] ?? '';
    const socket = /^unix:path=([^,]+)/.exec(address)?.[1];
    assert.ok(socket, `expected a unix:path= session bus from with-keyring.sh, got ${address}`);
    const runtime = await tempDir('cb-runtime-');
    await symlink(socket, path.join(runtime, 'bus'));
    const { stdout } = await run(
      process.execPath,
      nodeArgs('probe', service(), 'unused'),
      childEnv({ DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: runtime, GNOME_KEYRING_CONTROL: process.env['GNOME_KEYRING_CONTROL'] }),
    );
    assert.deepEqual(lastJson<unknown>(stdout), { available: true });
  });
});
