/**
 * Keeps the engine's scheduler (Engine.runScheduler: backups, checks, drills and alerts on their schedules,
 * missed runs caught up once) running when it should, with the desktop's own switches: "Pause for 1 hour"
 * from the tray, pause while on battery when the user asked for it, and a restart right after the computer
 * wakes up so the missed runs are caught up at once. When things run is the engine's decision.
 */

/** The host side of the engine scheduler (EngineHost.startScheduler / stopScheduler). */
export interface SchedulerPort {
  start(): boolean;
  stop(): Promise<void>;
  readonly running: boolean;
}

export interface SchedulerDeps {
  readonly port: SchedulerPort;
  readonly now: () => Date;
  readonly pauseOnBattery: () => boolean;
  /** Told whenever the paused state changes (the tray re-renders). */
  readonly onChange?: () => void;
}

/** The slice of Electron's powerMonitor used. */
export interface PowerMonitorLike {
  on(event: 'on-battery' | 'on-ac' | 'resume' | 'suspend', listener: () => void): void;
  isOnBatteryPower?(): boolean;
}

export class SchedulerController {
  private pausedUntilMs: number | null = null;
  private onBattery = false;

  constructor(private readonly deps: SchedulerDeps) {}

  get pausedUntil(): Date | null {
    return this.pausedUntilMs !== null && this.pausedUntilMs > this.deps.now().getTime() ? new Date(this.pausedUntilMs) : null;
  }

  get pausedOnBattery(): boolean {
    return this.onBattery && this.deps.pauseOnBattery();
  }

  isPaused(): boolean {
    return this.pausedUntil !== null || this.pausedOnBattery;
  }

  /** Starts or stops the engine scheduler to match the switches. */
  async apply(): Promise<'running' | 'paused' | 'unavailable'> {
    if (this.isPaused()) {
      await this.deps.port.stop();
      return 'paused';
    }
    if (this.pausedUntilMs !== null) this.pausedUntilMs = null;
    return this.deps.port.start() ? 'running' : 'unavailable';
  }

  async pauseFor(ms: number): Promise<void> {
    this.pausedUntilMs = this.deps.now().getTime() + ms;
    await this.apply();
    this.deps.onChange?.();
  }

  async resume(): Promise<void> {
    this.pausedUntilMs = null;
    await this.apply();
    this.deps.onChange?.();
  }

  /** Called every minute: ends an expired pause. */
  async tick(): Promise<void> {
    if (this.pausedUntilMs !== null && this.pausedUntil === null) {
      await this.apply();
      this.deps.onChange?.();
    } else if (!this.isPaused() && !this.deps.port.running) await this.apply();
  }

  attachPower(power: PowerMonitorLike): void {
    this.onBattery = power.isOnBatteryPower?.() ?? false;
    const changed = (battery: boolean) => async (): Promise<void> => {
      this.onBattery = battery;
      await this.apply();
      this.deps.onChange?.();
    };
    power.on('on-battery', () => void changed(true)());
    power.on('on-ac', () => void changed(false)());
    // After sleep the scheduler starts afresh: the engine sees the missed slots and runs each once.
    power.on('resume', () => {
      void (async () => {
        await this.deps.port.stop();
        await this.apply();
      })();
    });
  }
}
