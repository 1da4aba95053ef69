/**
 * Alerts that are right (issue #19): a copy that fails (full, read-only, not the clinic's drive) raises a HIGH alert
 * naming the copy and its fix; alerts change only on finished runs (a backup in progress neither clears nor re-sends
 * the failed-backup alert), the consecutive-failure count is filled, a cleared condition sends one "resolvido" per
 * channel that carried it, and `status --json` from another process shows the task in progress. Real parts: the
 * engine over a real repository and catalog, a real SMTP server and a real webhook receiver on 127.0.0.1; faults are
 * injected into the destinations with the fault-injecting backend (ENOSPC, EROFS as the file system reports them).
 */
import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FaultBackend, type FaultPlan } from '../../src/backend/fault.js';
import type { Backend } from '../../src/backend/types.js';
import { createEngine, createSampleDataset, type Engine } from '../../src/index.js';
import { acquireSchedulerLock } from '../../src/scheduler/schedulerLock.js';
import type { EngineEvent } from '../../src/shared/contract.js';
import { parseMail, startSmtp, startWebhookReceiver, type SmtpHandle, type WebhookReceiver } from '../alerts/support.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** Holds snapshot writes while closed: a backup stays "running" for as long as the test needs. */
interface Gate {
  closed: Promise<void> | null;
}

class GatedBackend extends FaultBackend {
  constructor(
    inner: Backend,
    private readonly gate: Gate,
  ) {
    super(inner);
  }
  override async write(...args: Parameters<FaultBackend['write']>): ReturnType<FaultBackend['write']> {
    if (args[0].kind === 'snapshots' && this.gate.closed) await this.gate.closed;
    return super.write(...args);
  }
}

interface World {
  readonly gate: Gate;
  readonly dir: string;
  readonly repo: string;
  readonly usb: string;
  readonly data: string;
  readonly passwordFile: string;
  readonly state: string;
  readonly engine: Engine;
  readonly smtp: SmtpHandle;
  readonly hook: WebhookReceiver;
  /** Fault plans by location; applied to every backend the engine opened or opens there. */
  readonly faults: { set(location: string, plan: FaultPlan): void; delete(location: string): void };
}

async function world(): Promise<World> {
  const dir = await tempDir('cb-alerts-right-');
  const repo = path.join(dir, 'repo');
  const usb = path.join(dir, 'usb');
  await mkdir(usb);
  const data = path.join(dir, 'data');
  await createSampleDataset(data, { patients: 3 });
  const passwordFile = await writePasswordFile(dir);
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const state = path.join(dir, 'state');
  const gate: Gate = { closed: null };
  // Every backend opened is wrapped; a plan set later applies to those already open too.
  const plans = new Map<string, FaultPlan>();
  const opened: { location: string; backend: FaultBackend }[] = [];
  const apply = (b: FaultBackend, plan: FaultPlan | undefined): void => {
    b.clearRules();
    b.setLatency(plan?.latencyMs ?? 0);
    for (const r of plan?.rules ?? []) b.addRule(r);
  };
  const faults = {
    set(location: string, plan: FaultPlan): void {
      plans.set(location, plan);
      for (const o of opened) if (o.location === location) apply(o.backend, plan);
    },
    delete(location: string): void {
      plans.delete(location);
      for (const o of opened) if (o.location === location) apply(o.backend, undefined);
    },
  };
  const wrapBackend = (location: string, backend: Backend): Backend => {
    const b = new GatedBackend(backend, gate);
    opened.push({ location: path.resolve(location), backend: b });
    apply(b, plans.get(path.resolve(location)));
    return b;
  };
  const make = (): Engine => createEngine({ repo, passwordFile, secretsDir, stateDir: state, locale: 'pt-BR', copies: [{ location: usb, kind: 'usb', label: 'Disco USB' }], wrapBackend });
  const first = make();
  await first.init({ useKeychain: false });
  await first.close();
  // Opened again, the primary repository goes through wrapBackend too (init adopted the one it created).
  const engine = make();
  const smtp = await startSmtp();
  const hook = await startWebhookReceiver();
  await engine.updateSettings({
    clinicName: 'Clínica Vida',
    alerts: { email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'backup@clinica.test', to: ['ti@clinica.test'] }, webhook: { url: hook.url } },
  });
  return { gate, dir, repo, usb, data, passwordFile, state, engine, smtp, hook, faults };
}

function mails(w: World): { subject: string; event: string; key: string; text: string }[] {
  return w.smtp.mails.map((m) => {
    const p = parseMail(m.raw);
    return { subject: p.subject, event: p.headers.get('x-clinic-backup-event') ?? '', key: p.headers.get('x-clinic-backup-alert') ?? '', text: p.text };
  });
}

function hooks(w: World): { event: string; key: string; severity: string; message: string; fix: string }[] {
  return w.hook.requests.map((r) => {
    const body = JSON.parse(r.body.toString('utf8')) as { event: string; alert: { key: string; severity: string; message: string; fix: string } };
    return { event: body.event, key: body.alert.key, severity: body.alert.severity, message: body.alert.message, fix: body.alert.fix };
  });
}

const copyKey = (w: World): string => `copy:${w.usb}`;

/** A backup that may fail or be partial: the alerts follow its end either way. */
async function backup(w: World): Promise<void> {
  try {
    await w.engine.backupNdjson(w.data);
  } catch {
    // A failed run is recorded in the catalog; that is what the alerts read.
  }
}

describe('alerts that are right', () => {
  it('a full, a read-only and a foreign USB copy each raise one HIGH alert naming the copy and the fix, then one "resolvido" per channel', async () => {
    const w = await world();
    try {
      await backup(w);
      assert.equal(
        (await w.engine.status()).alerts.some((a) => a.rule === 'copy'),
        false,
        'a healthy copy raises nothing',
      );
      assert.equal(mails(w).filter((m) => m.key.startsWith('copy:')).length, 0);

      const cases: { name: string; fault: () => Promise<void>; heal: () => Promise<void>; text: RegExp; fix: RegExp }[] = [
        {
          name: 'full',
          fault: async () => w.faults.set(w.usb, { rules: [{ op: 'write', effect: { type: 'error', error: 'ENOSPC' } }] }),
          heal: async () => w.faults.delete(w.usb),
          text: /O disco USB Disco USB está cheio/,
          fix: /disco USB maior/,
        },
        {
          name: 'read-only',
          fault: async () => w.faults.set(w.usb, { rules: [{ op: ['write', 'delete'], effect: { type: 'error', error: 'EROFS' } }] }),
          heal: async () => w.faults.delete(w.usb),
          text: /protegido contra gravação/,
          fix: /trava de proteção/,
        },
        {
          name: 'marker missing',
          // The drive plugged in holds data but not the clinic's marker (another drive, or the marker deleted).
          fault: async () => void (await rm(path.join(w.usb, 'config'))),
          heal: async () => {
            await rm(w.usb, { recursive: true, force: true });
            await mkdir(w.usb);
          },
          text: /não é o da clínica ou não está montado/,
          fix: /Conecte o disco USB da clínica/,
        },
      ];
      for (const c of cases) {
        const mailsBefore = w.smtp.mails.length;
        const hooksBefore = w.hook.requests.length;
        await c.fault();
        await backup(w);
        const status = await w.engine.status();
        const alert = status.alerts.find((a) => a.key === copyKey(w));
        assert.ok(alert, `${c.name}: the copy alert is raised (${JSON.stringify(status.alerts.map((a) => a.key))})`);
        assert.equal(alert.severity, 'high', c.name);
        assert.match(alert.message, c.text, c.name);
        assert.notEqual(status.state, 'ok', `${c.name}: status is not ok`);
        const newMails = mails(w).slice(mailsBefore);
        const newHooks = hooks(w).slice(hooksBefore);
        assert.deepEqual(
          newMails.map((m) => `${m.event}:${m.key}`),
          [`alert:${copyKey(w)}`],
          `${c.name}: one e-mail`,
        );
        assert.match(newMails[0]!.subject, /ALTA/);
        assert.match(newMails[0]!.text, c.text);
        assert.match(newMails[0]!.text, c.fix);
        assert.deepEqual(
          newHooks.map((h) => `${h.event}:${h.key}:${h.severity}`),
          [`alert:${copyKey(w)}:high`],
          `${c.name}: one webhook`,
        );
        assert.match(newHooks[0]!.fix, c.fix);

        // The same fault again: nothing new is sent.
        await backup(w);
        assert.equal(w.smtp.mails.length, mailsBefore + 1, `${c.name}: not re-sent`);
        assert.equal(w.hook.requests.length, hooksBefore + 1, `${c.name}: not re-sent`);

        await c.heal();
        await backup(w);
        assert.equal(
          (await w.engine.status()).alerts.some((a) => a.key === copyKey(w)),
          false,
          `${c.name}: cleared once the copy works`,
        );
        assert.deepEqual(
          mails(w)
            .slice(mailsBefore + 1)
            .map((m) => `${m.event}:${m.key}`),
          [`resolved:${copyKey(w)}`],
          `${c.name}: one resolution e-mail`,
        );
        assert.match(mails(w).at(-1)!.subject, /RESOLVIDO/);
        assert.deepEqual(
          hooks(w)
            .slice(hooksBefore + 1)
            .map((h) => `${h.event}:${h.key}`),
          [`resolved:${copyKey(w)}`],
          `${c.name}: one resolution webhook`,
        );
        await w.engine.checkAlerts();
        assert.equal(w.smtp.mails.length, mailsBefore + 2, `${c.name}: the resolution is sent once`);
      }
    } finally {
      await w.engine.close();
    }
  });

  it('one outage sends one alert: a running backup neither clears nor re-sends it, the count of failures in a row is filled, and status --json elsewhere shows the running task', async () => {
    const w = await world();
    const lock = await acquireSchedulerLock(path.join(w.state, (await w.engine.status()).repoId), (await w.engine.status()).repoId);
    try {
      // The primary repository's disk fails at commit: the backup fails (DEST_IO).
      w.faults.set(w.repo, { rules: [{ op: 'write', kind: 'snapshots', effect: { type: 'error', error: 'EIO' } }] });
      await backup(w);
      let status = await w.engine.status();
      const failed = status.alerts.find((a) => a.key === 'failed:primary');
      assert.ok(failed, JSON.stringify([status.alerts.map((a) => a.key), status.history, status.lastBackup]));
      assert.match(failed.message, /^1 tentativa de backup /);
      assert.equal(mails(w).filter((m) => m.key === 'failed:primary').length, 1);

      // The next backup is slow and fails too. While it runs, the alert job and a manual check keep the alert.
      let open = (): void => undefined;
      w.gate.closed = new Promise<void>((resolve) => (open = resolve));
      const started = new Promise<void>((resolve) => {
        const off = w.engine.subscribe((e: EngineEvent) => {
          if (e.type === 'run-started') {
            off();
            resolve();
          }
        });
      });
      const running = backup(w);
      await started;
      const env = { CLINIC_BACKUP_REPO: w.repo, CLINIC_BACKUP_PASSWORD_FILE: w.passwordFile, CLINIC_BACKUP_STATE_DIR: w.state, CLINIC_BACKUP_SECRETS_DIR: path.join(w.dir, 'secrets') };
      const [other, check] = await Promise.all([runCli(['status', '--json'], env), w.engine.checkAlerts()]);
      assert.equal(check.cleared, 0, 'a running run does not clear the failed-backup alert');
      const json = JSON.parse(other.stdout) as { running: { kind: string; since: string } | null; lastBackup: { status: string } | null };
      assert.equal(json.running?.kind, 'backup', `status --json from another process: ${other.stdout.slice(0, 400)} ${other.stderr}`);
      status = await w.engine.status();
      assert.ok(
        status.alerts.some((a) => a.key === 'failed:primary'),
        'still active while the backup runs',
      );
      w.gate.closed = null;
      open();
      await running;

      status = await w.engine.status();
      const again = status.alerts.find((a) => a.key === 'failed:primary');
      assert.ok(again);
      assert.match(again.message, /^2 tentativas seguidas de backup /, 'the count of failures in a row is filled');
      assert.equal(mails(w).filter((m) => m.key === 'failed:primary').length, 1, 'one outage, one e-mail');
      assert.equal(hooks(w).filter((h) => h.key === 'failed:primary').length, 1, 'one outage, one webhook');

      // The disk is back: one resolution per channel.
      w.faults.delete(w.repo);
      await backup(w);
      assert.deepEqual(
        mails(w)
          .filter((m) => m.key === 'failed:primary')
          .map((m) => m.event),
        ['alert', 'resolved'],
      );
      assert.deepEqual(
        hooks(w)
          .filter((h) => h.key === 'failed:primary')
          .map((h) => h.event),
        ['alert', 'resolved'],
      );
    } finally {
      await lock.release();
      await w.engine.close();
    }
  });
});
