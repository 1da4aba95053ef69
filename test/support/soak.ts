/**
 * The soak run (issue #19): the real scheduler (engine.runScheduler through the real JobRunner) on an injected clock
 * drives a simulated week of backups to a NAS repository with a USB copy, through the fault windows seen in the field:
 * the FHIR server answering 500, a 429 storm, the server down for hours, the scheduler killed in the middle of a
 * backup (and started again), the USB copy read-only, full, and without its marker. Real sandbox FHIR server, real
 * SMTP server and webhook receiver on 127.0.0.1, real repository and catalog; the fake clock moves on whenever the
 * work in progress waits (on the scheduler's alarm or a retry's back-off), so a week takes seconds to minutes.
 * Used by test/engine/soak.test.ts (short: a backup every 6 h) and bench/soak.ts (long: every 15 min).
 */
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { FaultBackend, type FaultPlan } from '../../src/backend/fault.js';
import { EngineError } from '../../src/shared/errors.js';
import type { Backend } from '../../src/backend/types.js';
import { createEngine, startSandbox, type Engine } from '../../src/index.js';
import { Repository } from '../../src/repository/repository.js';
import { checkRepository } from '../../src/checker/checker.js';
import { LocalBackend } from '../../src/backend/local/localBackend.js';
import { schedulerState } from '../../src/scheduler/schedulerLock.js';
import type { RunnerEvent } from '../../src/scheduler/runner.js';
import { parseMail, startSmtp, startWebhookReceiver } from '../alerts/support.js';
import { FakeTime } from '../scheduler/fakeTime.js';
import { TEST_PASSPHRASE, writePasswordFile } from './repo.js';
import { tempDir } from './tmp.js';

const H = 3_600_000;
const DAY = 24 * H;

export interface SoakOptions {
  readonly backupEveryMinutes: number;
  /** Monday 00:00 in São Paulo by default. */
  readonly start?: string;
  readonly log?: (line: string) => void;
}

export interface SoakMessage {
  readonly channel: 'email' | 'webhook';
  readonly event: string;
  readonly key: string;
  readonly alertId: number | null;
}

export interface SoakReport {
  readonly messages: readonly SoakMessage[];
  readonly backups: { readonly ok: number; readonly failed: number; readonly interrupted: number };
  /** Heap used (MB) at the end of each simulated day. */
  readonly heapMb: readonly number[];
  readonly rssMb: readonly number[];
  readonly primaryCheck: { readonly ok: boolean; readonly problems: number };
  readonly copyCheck: { readonly ok: boolean; readonly problems: number };
  readonly snapshotsPrimary: number;
  readonly snapshotsCopy: number;
  /** Snapshots of the NAS repository the USB copy lacks (the copy may keep more: retention runs on the primary). */
  readonly missingOnCopy: number;
  readonly leftoverLocks: { readonly primary: number; readonly copy: number; readonly scheduler: string };
  readonly activeAlerts: readonly string[];
  readonly realSeconds: number;
}

/** Holds snapshot writes while closed (a backup that stays "running" until the scheduler is killed). */
class SoakBackend extends FaultBackend {
  constructor(
    inner: Backend,
    private readonly gate: { closed: Promise<void> | null },
  ) {
    super(inner);
  }
  override async write(...args: Parameters<FaultBackend['write']>): ReturnType<FaultBackend['write']> {
    if (args[0].kind === 'snapshots' && this.gate.closed) await this.gate.closed;
    return super.write(...args);
  }
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const dir = await tempDir('cb-soak-');
  const repo = path.join(dir, 'nas');
  const usb = path.join(dir, 'usb');
  await mkdir(usb);
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const passwordFile = await writePasswordFile(dir);
  const start = Date.parse(options.start ?? '2027-03-01T03:00:00.000Z');
  const time = new FakeTime(new Date(start));
  const gate: { closed: Promise<void> | null } = { closed: null };
  const opened: { location: string; backend: SoakBackend }[] = [];
  const plans = new Map<string, FaultPlan>();
  const apply = (b: SoakBackend, plan: FaultPlan | undefined): void => {
    b.clearRules();
    for (const r of plan?.rules ?? []) b.addRule(r);
  };
  const setFault = (location: string, plan: FaultPlan | null): void => {
    if (plan) plans.set(location, plan);
    else plans.delete(location);
    for (const o of opened) if (o.location === location) apply(o.backend, plan ?? undefined);
  };
  const wrapBackend = (location: string, backend: Backend): Backend => {
    const b = new SoakBackend(backend, gate);
    opened.push({ location: path.resolve(location), backend: b });
    apply(b, plans.get(path.resolve(location)));
    return b;
  };
  const source = await startSandbox({ patients: 6, seed: 19 });
  const smtp = await startSmtp();
  const hook = await startWebhookReceiver();
  // The source's retries and back-offs take fake time: the clock jumps by the wait.
  const sleep = async (ms: number): Promise<void> => {
    time.jump(ms);
    await new Promise((r) => setImmediate(r));
  };
  const engineOptions = {
    repo,
    passwordFile,
    secretsDir,
    stateDir: path.join(dir, 'state'),
    locale: 'en' as const,
    copies: [{ location: usb, kind: 'usb' as const, label: 'USB' }],
    clock: time,
    timer: time,
    wrapBackend,
    sleep,
  };
  {
    const first = createEngine(engineOptions);
    await first.init({ useKeychain: false });
    await first.updateSettings({
      clinicName: 'Clínica Soak',
      source: { url: source.url, auth: { kind: 'none' } },
      schedule: {
        backup: { kind: 'interval', everyMinutes: options.backupEveryMinutes },
        drill: { kind: 'monthly', day: 1, at: '12:00' },
        alerts: { kind: 'interval', everyMinutes: 60 },
      },
      alerts: { email: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'backup@clinica.test', to: ['ti@clinica.test'] }, webhook: { url: hook.url } },
    });
    await first.close();
  }

  let engine: Engine = createEngine(engineOptions);
  let running = 0;
  const events: RunnerEvent[] = [];
  let controller = new AbortController();
  let done: Promise<void> = Promise.resolve();
  const startScheduler = async (): Promise<void> => {
    controller = new AbortController();
    running = 0;
    const before = time.pendingTimers;
    done = engine.runScheduler({
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'started') running++;
        else running = Math.max(0, running - 1);
      },
    });
    let failed: unknown = null;
    done.catch((err: unknown) => (failed = err));
    for (const until = Date.now() + 60_000; time.pendingTimers <= before && running === 0;) {
      if (failed) throw failed;
      if (Date.now() > until) throw new Error('the scheduler did not start');
      await delay(2);
    }
  };
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  /** Waits (real time, bounded) until no job runs. */
  const idle = async (): Promise<void> => {
    await settle();
    for (const until = Date.now() + 10 * 60_000; running > 0;) {
      if (Date.now() > until) throw new Error(`jobs still running at ${time.now().toISOString()}`);
      await delay(3);
    }
    await settle();
  };
  /** Lets fake time pass until `target`: each alarm fires once the work started by the previous one is done. */
  const runUntil = async (target: number): Promise<void> => {
    for (let i = 0; i < 10_000_000; i++) {
      await idle();
      if (!time.fireNext(new Date(target))) break;
    }
    await time.advanceTo(new Date(target));
    await idle();
  };
  const heapMb: number[] = [];
  const rssMb: number[] = [];
  const at = (days: number, hours = 0): number => start + days * DAY + hours * H;
  const sample = (): void => {
    heapMb.push(Math.round(process.memoryUsage().heapUsed / 1e6));
    rssMb.push(Math.round(process.memoryUsage().rss / 1e6));
  };

  try {
    await startScheduler();
    await runUntil(at(0, 6));
    // Day 0 morning: the server answers 500 twice (the backup's retries get through).
    log('500s');
    source.faults.set({ serverError: { nth: 1, times: 2, status: 500 } });
    await runUntil(at(1));
    sample();
    // Day 1: a 429 storm (the backup waits it out).
    log('429 storm');
    source.faults.set({ serverError: null, tooManyRequests: { count: 4, retryAfterSeconds: 30 } });
    await runUntil(at(2));
    sample();
    // Day 2, 06:00-20:00: the server is down (every request 503): backups fail, then work again.
    log('server down');
    source.faults.set({ tooManyRequests: null, serverError: { nth: 1, times: 1_000_000_000, status: 503 } });
    await runUntil(at(2, 20));
    source.faults.clear();
    await runUntil(at(3));
    sample();
    // Day 3: the scheduler is killed in the middle of a backup, and started again an hour later.
    log('scheduler killed');
    await runUntil(at(3, 11));
    let kill: (err: Error) => void = () => undefined;
    gate.closed = new Promise<void>((_resolve, reject) => (kill = reject));
    const backupsBefore = events.filter((e) => e.type === 'started' && e.job === 'backup').length;
    // Until the next backup starts; it then hangs at its commit (the gate) and the scheduler is stopped under it.
    for (let i = 0; events.filter((e) => e.type === 'started' && e.job === 'backup').length === backupsBefore; i++) {
      if (i > 100_000) throw new Error('no backup started to kill');
      await settle();
      if (running === 0 && !time.fireNext(new Date(at(4)))) throw new Error('no backup due before day 4');
    }
    await delay(200);
    controller.abort();
    // The write in progress dies with the process: nothing of it becomes visible.
    gate.closed = null;
    kill(new EngineError('CANCELLED'));
    await done;
    await engine.close();
    time.jump(H);
    engine = createEngine(engineOptions);
    await startScheduler();
    await runUntil(at(4));
    sample();
    // Day 4: the USB copy is read-only for 8 hours, then full for 8 hours.
    log('usb read-only');
    setFault(usb, { rules: [{ op: ['write', 'delete'], effect: { type: 'error', error: 'EROFS' } }] });
    await runUntil(at(4, 8));
    setFault(usb, null);
    await runUntil(at(4, 12));
    log('usb full');
    setFault(usb, { rules: [{ op: 'write', effect: { type: 'error', error: 'ENOSPC' } }] });
    await runUntil(at(4, 20));
    setFault(usb, null);
    await runUntil(at(5));
    sample();
    // Day 5: the USB drive plugged in is not the clinic's (its marker is gone) for 8 hours.
    log('usb marker missing');
    await copyFile(path.join(usb, 'config'), path.join(dir, 'usb-config'));
    await rm(path.join(usb, 'config'));
    await runUntil(at(5, 8));
    await copyFile(path.join(dir, 'usb-config'), path.join(usb, 'config'));
    await runUntil(at(7));
    sample();
    controller.abort();
    await done;
    const status = await engine.status();
    await engine.close();

    // Every copy read back in full at the end.
    const open = async (loc: string): Promise<Repository> => Repository.open(await LocalBackend.open(loc), { passphrase: TEST_PASSPHRASE });
    const primary = await open(repo);
    const copy = await open(usb);
    const pc = await checkRepository(primary, { readData: true });
    const cc = await checkRepository(copy, { readData: true });
    const primaryIds = (await primary.listSnapshots()).map((x) => x.id);
    const copyIds = new Set((await copy.listSnapshots()).map((x) => x.id));
    const snapshotsPrimary = primaryIds.length;
    const snapshotsCopy = copyIds.size;
    const missingOnCopy = primaryIds.filter((id) => !copyIds.has(id)).length;
    await primary.backend.close();
    await copy.backend.close();
    const locks = async (loc: string): Promise<number> => (await readdir(path.join(loc, 'locks')).catch(() => [])).length;
    const runs = events.filter((e): e is Extract<RunnerEvent, { type: 'finished' | 'failed' }> => (e.type === 'finished' || e.type === 'failed') && e.job === 'backup');
    const messages: SoakMessage[] = [
      ...smtp.mails.map((m) => {
        const p = parseMail(m.raw);
        return { channel: 'email' as const, event: p.headers.get('x-clinic-backup-event') ?? '', key: p.headers.get('x-clinic-backup-alert') ?? '', alertId: null };
      }),
      ...hook.requests.map((r) => {
        const b = JSON.parse(r.body.toString('utf8')) as { event: string; alert: { key: string; id: number } };
        return { channel: 'webhook' as const, event: b.event, key: b.alert.key, alertId: b.alert.id };
      }),
    ];
    return {
      messages,
      backups: {
        ok: runs.filter((r) => r.type === 'finished').length,
        failed: runs.filter((r) => r.type === 'failed' && !r.cancelled).length,
        interrupted: runs.filter((r) => r.type === 'failed' && r.cancelled).length,
      },
      heapMb,
      rssMb,
      primaryCheck: { ok: pc.ok, problems: pc.problems.length },
      copyCheck: { ok: cc.ok, problems: cc.problems.length },
      snapshotsPrimary,
      snapshotsCopy,
      missingOnCopy,
      leftoverLocks: { primary: await locks(repo), copy: await locks(usb), scheduler: (await schedulerState(path.join(dir, 'state', status.repoId), status.repoId)).state },
      activeAlerts: status.alerts.map((a) => a.key),
      realSeconds: Math.round((Date.now() - began) / 1000),
    };
  } finally {
    controller.abort();
    await done.catch(() => undefined);
    await engine.close().catch(() => undefined);
    await source.close();
    await smtp.close();
    await hook.close();
  }
}
