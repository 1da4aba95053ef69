/**
 * When alerts are evaluated: after every run the rules read (an unreachable channel is retried later; a run is never
 * turned into a failure by its alerts) and whenever the audit trail cannot be written or catches up. The rules and
 * channels (engine/alerts.ts) load only when one of these fires, so a command that records no run never compiles them.
 */
import type { EngineContext } from './context.js';

const evaluate = async (ctx: EngineContext): Promise<void> => void (await (await import('./alerts.js')).evaluateAndDeliver(ctx));

/**
 * Runs the rules never read (src/alerts/state.ts reads backups, checks, copy verifications, drills, copies and the
 * kit): a restore changes none of their inputs, so it does not wait for an evaluation (with the key in the keychain
 * that is one more keychain call, for the kit) — the alert job of the schedule evaluates on its own timer.
 */
export const RUNS_ALERTS_IGNORE: ReadonlySet<string> = new Set(['restore']);

export function installAlerts(ctx: EngineContext): void {
  ctx.bus.on('run-finished', 'alerts', async (run) => {
    if (RUNS_ALERTS_IGNORE.has(run.kind)) return;
    await evaluate(ctx);
  });
  ctx.bus.on('audit-state', 'alerts', async () => {
    // Without a catalog (no repository yet) there is nowhere to keep an alert: the audit trail keeps the entries.
    if ((await ctx.catalogIfAvailable()) === null) return;
    await evaluate(ctx);
  });
}
