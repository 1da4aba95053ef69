/**
 * `clinic-backup demo`: the main job end to end on embedded defaults. Starts the sandbox FHIR server with
 * synthetic patients, backs it up over HTTP (bulk $export), changes a few resources, backs up again
 * (incremental), checks every byte, restores to a folder, prints a summary and stops everything it started.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { t, type Locale } from '../i18n/index.js';
import type { SandboxServer } from '../index.js';
import type { BackupResult } from '../shared/index.js';
import { facade } from './context.js';
import { formatBytes, type Output } from './output.js';

/** Changes in the demo's second round: a few updates, one new patient, one deletion. */
function changeSomeResources(server: SandboxServer): { updated: number; created: number; deleted: number } {
  let updated = 0;
  let deleted = 0;
  let i = 0;
  for (const r of [...server.store.all()]) {
    if (r.type !== 'Observation') continue;
    if (i++ % 50 !== 0) continue;
    server.store.put(r.type, r.id, r.text.replace(/"status":"final"/, '"status":"amended"'));
    updated++;
  }
  const obs = [...server.store.all()].find((r) => r.type === 'Condition');
  if (obs && server.store.delete(obs.type, obs.id)) deleted++;
  server.store.put('Patient', 'demo-new-patient', '{"resourceType":"Patient","id":"demo-new-patient","name":[{"family":"Silva","given":["Ana"]}],"birthDate":"1990-05-17"}');
  return { updated, created: 1, deleted };
}

export async function runDemo(opts: { out: Output; locale: Locale; patients: number; keep: boolean }): Promise<number> {
  const { out, locale } = opts;
  const { createEngine, startSandbox } = await facade();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clinic-backup-demo-'));
  const step = (key: string, params: Record<string, string | number> = {}): void => out.line(t('cli.demo.step', { step: t(key, params, locale) }, locale));
  const server = await startSandbox({ patients: opts.patients, seed: 42 });
  try {
    const repo = path.join(dir, 'repository');
    const restored = path.join(dir, 'restored');
    const passwordFile = path.join(dir, 'password');
    await writeFile(passwordFile, 'demo-password-not-for-real-use\n', { mode: 0o600 });
    step('cli.demo.server', { url: server.url, resources: server.store.count(), patients: opts.patients });
    const engine = createEngine({ repo, passwordFile, stateDir: path.join(dir, 'state') });
    try {
      step('cli.demo.init', { location: repo });
      const init = await engine.init({ useKeychain: false, recoveryLanguage: locale });
      step('cli.demo.backup1');
      const first = await engine.backupFhir({ source: server.url, auth: { kind: 'none' } });
      const changes = changeSomeResources(server);
      step('cli.demo.mutate', changes);
      step('cli.demo.backup2');
      const second = await engine.backupFhir({ source: server.url, auth: { kind: 'none' } });
      step('cli.demo.check');
      const check = await engine.check({ readData: true });
      step('cli.demo.restore', { target: restored });
      const restore = await engine.restoreToFolder({ snapshot: 'latest', target: restored, confirmed: true });
      const stats = await engine.stats();
      const matchesServer = restore.resources === server.store.count();

      const row = (label: string, r: BackupResult): string =>
        `${label.padEnd(22)} ${r.snapshot.shortId}  ${String(r.snapshot.resources).padStart(9)}  ${String(r.snapshot.added).padStart(6)}  ${String(r.snapshot.changed).padStart(7)}  ${String(r.snapshot.deleted).padStart(7)}  ${formatBytes(r.snapshot.storedBytesAdded).padStart(10)}  ${(r.durationMs / 1000).toFixed(1).padStart(5)} s`;
      out.data({ server: server.url, repoId: init.repoId, backups: [first, second], changes, check, restore, stats });
      out.line();
      out.line(`== ${t('cli.demo.summary', {}, locale)} ==`);
      out.line(`${'backup'.padEnd(22)} snapshot   resources     new  changed  deleted       added   time`);
      out.line(row(`1 full (${first.strategy})`, first));
      out.line(row('2 incremental', second));
      out.line();
      out.line(`${'type'.padEnd(22)} resources`);
      for (const [type, n] of Object.entries(second.snapshot.counts)) out.line(`${type.padEnd(22)} ${String(n).padStart(9)}`);
      out.line();
      out.line(`data ${formatBytes(second.snapshot.bytes)} → stored ${formatBytes(stats.storedBytes)} (${stats.compressionRatio.toFixed(1)}×, ${stats.codec}, AES-256-GCM)`);
      out.line(check.ok ? t('cli.check.ok', { ...check.stats, read: formatBytes(check.stats['bytesRead'] ?? 0) }, locale) : t('cli.check.failed', { count: check.problems.length }, locale));
      out.line(t('cli.restore.done', { resources: restore.resources, bytes: formatBytes(restore.bytes), id: restore.snapshotId.slice(0, 8), target: restored }, locale));
      out.line(t('cli.demo.matches', { ok: t(matchesServer ? 'cli.yes' : 'cli.no', {}, locale), count: server.store.count() }, locale));
      if (opts.keep) out.line(t('cli.demo.kept', { dir }, locale));
      const ok =
        check.ok &&
        matchesServer &&
        restore.failures.length === 0 &&
        second.snapshot.changed === changes.updated &&
        second.snapshot.deleted === changes.deleted &&
        second.snapshot.added === changes.created;
      return ok ? 0 : 1;
    } finally {
      await engine.close();
    }
  } finally {
    await server.close();
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
