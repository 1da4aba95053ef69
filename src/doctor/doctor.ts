/**
 * runDoctor: the SOP-019 §9 troubleshooting checklist as automated checks, each with a plain-language fix.
 *
 *   SOP-019 §9.2                                   checks
 *   Confirm network connectivity                   source.reachable, destination.mounted, destination.s3.reachable
 *   Validate credentials and permissions           source.authorised, destination.writable, destination.s3.reachable, keychain
 *   Check disk space (source and destination)      destination.space
 *   Check the status of dependent services         source.export, schedule
 *   Validate the encryption configuration          keychain, recoveryKit
 *   Test restore in an isolated environment        drill
 *   (and what breaks tokens and signatures)        source.clock, destination.s3.region
 *
 * Every input section is optional: a check runs only when its section is given, so each check can be
 * run and tested alone. Network checks run in parallel; the report lists them in a fixed order.
 * Nothing is written anywhere but one temp file per local destination (removed at once).
 */
import { EngineError, throwIfAborted } from '../shared/index.js';
import { isProcessAlive, systemClock } from '../scheduler/index.js';
import { probeKeychain } from '../secrets/index.js';
import { SEVERITY_RANK } from '../alerts/index.js';
import { checkSource } from './source.js';
import { checkLocalDestination, checkS3Destination, s3BucketRegion } from './destination.js';
import { checkDrill, checkKeychain, checkRecoveryKit, checkSchedule } from './system.js';
import type { DoctorCheck, DoctorDeps, DoctorInput, DoctorLimits, DoctorReport, DoctorSeverity } from './types.js';

export const DEFAULT_DOCTOR_LIMITS: DoctorLimits = {
  maxClockSkewMs: 5 * 60_000,
  diskWarnPercent: 80,
  diskFailPercent: 95,
  minFreeBytes: 1024 ** 3,
  overdueGraceMs: 15 * 60_000,
  drillIntervalDays: 30,
};

function worstOf(checks: readonly DoctorCheck[]): DoctorSeverity {
  let worst: DoctorSeverity = 'info';
  for (const c of checks) {
    if (c.severity === 'info') continue;
    if (worst === 'info' || SEVERITY_RANK[c.severity] > SEVERITY_RANK[worst]) worst = c.severity;
  }
  return worst;
}

export async function runDoctor(input: DoctorInput, deps: DoctorDeps = {}): Promise<DoctorReport> {
  const clock = deps.clock ?? systemClock;
  const limits: DoctorLimits = { ...DEFAULT_DOCTOR_LIMITS, ...input.limits };
  const signal = deps.signal;
  throwIfAborted(signal);
  const ids = new Set<string>();
  for (const d of input.destinations ?? []) {
    if (!d.id || ids.has(d.id)) throw new EngineError('INVALID_ARGUMENT', { field: 'destinations.id', reason: `empty or duplicate "${d.id}"` });
    ids.add(d.id);
  }
  const report = (checks: DoctorCheck[]): DoctorCheck[] => {
    for (const c of checks) deps.onCheck?.(c);
    return checks;
  };

  const groups: Promise<DoctorCheck[]>[] = [];
  if (input.source) groups.push(checkSource(input.source, clock, limits, signal).then(report));
  for (const d of input.destinations ?? []) {
    groups.push((d.kind === 'local' ? checkLocalDestination(d, limits, signal) : checkS3Destination(d, deps.bucketRegion ?? s3BucketRegion, signal)).then(report));
  }
  if (input.secretStore) groups.push(checkKeychain(input.secretStore, deps.probeKeychain ?? probeKeychain).then((c) => report([c])));
  if (input.schedule) groups.push(checkSchedule(input.schedule, clock.now().getTime(), limits, deps.isProcessAlive ?? isProcessAlive).then((c) => report([c])));
  if (input.drill) groups.push(Promise.resolve(report([checkDrill(input.drill, clock.now().getTime(), limits)])));
  if (input.recoveryKit) groups.push(Promise.resolve(report([checkRecoveryKit(input.recoveryKit)])));

  const checks = (await Promise.all(groups)).flat();
  throwIfAborted(signal);
  return { at: clock.now().toISOString(), ok: checks.every((c) => c.status !== 'fail'), worst: worstOf(checks), checks };
}
