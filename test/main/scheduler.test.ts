import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerController, type PowerMonitorLike, type SchedulerPort } from '../../main/scheduler.js';

function setup(over: { pauseOnBattery?: boolean; available?: boolean } = {}) {
  let now = new Date('2026-03-10T13:20:00Z');
  const log: string[] = [];
  const port: SchedulerPort & { running: boolean } = {
    running: false,
    start() {
      if (over.available === false) return false;
      if (!this.running) log.push('start');
      this.running = true;
      return true;
    },
    async stop() {
      if (this.running) log.push('stop');
      this.running = false;
    },
  };
  let changes = 0;
  const c = new SchedulerController({ port, now: () => now, pauseOnBattery: () => over.pauseOnBattery ?? true, onChange: () => void changes++ });
  return { c, log, port, setNow: (d: string) => (now = new Date(d)), changes: () => changes };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('SchedulerController (the engine scheduler with the desktop switches)', () => {
  it('runs the engine scheduler when nothing pauses it', async () => {
    const a = setup();
    assert.equal(await a.c.apply(), 'running');
    assert.deepEqual(a.log, ['start']);
    assert.equal(await setup({ available: false }).c.apply(), 'unavailable');
  });

  it('"Pause for 1 hour" stops it for an hour, then it starts again', async () => {
    const a = setup();
    await a.c.apply();
    await a.c.pauseFor(3600_000);
    assert.equal(a.c.pausedUntil?.toISOString(), '2026-03-10T14:20:00.000Z');
    assert.deepEqual(a.log, ['start', 'stop']);
    await a.c.tick();
    assert.equal(a.port.running, false, 'still paused');
    a.setNow('2026-03-10T14:21:00Z');
    await a.c.tick();
    assert.equal(a.port.running, true);
    assert.equal(a.c.pausedUntil, null);
    await a.c.pauseFor(3600_000);
    await a.c.resume();
    assert.equal(a.port.running, true, 'resumed by hand');
    assert.ok(a.changes() >= 3, 'the tray is told');
  });

  it('pauses on battery when configured, runs again on AC power', async () => {
    const listeners = new Map<string, () => void>();
    const power: PowerMonitorLike = { on: (e, l) => void listeners.set(e, l), isOnBatteryPower: () => true };
    const a = setup();
    a.c.attachPower(power);
    assert.equal(await a.c.apply(), 'paused');
    assert.equal(a.c.pausedOnBattery, true);
    listeners.get('on-ac')?.();
    await flush();
    assert.equal(a.port.running, true);
    listeners.get('on-battery')?.();
    await flush();
    assert.equal(a.port.running, false);

    const b = setup({ pauseOnBattery: false });
    b.c.attachPower(power);
    assert.equal(await b.c.apply(), 'running', 'not configured to pause on battery');
  });

  it('restarts after sleep so the engine catches up the missed runs at once', async () => {
    const listeners = new Map<string, () => void>();
    const a = setup();
    a.c.attachPower({ on: (e, l) => void listeners.set(e, l) });
    await a.c.apply();
    listeners.get('resume')?.();
    await flush();
    await flush();
    assert.deepEqual(a.log, ['start', 'stop', 'start']);
  });
});
