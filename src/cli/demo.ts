/** `clinic-backup demo`: the main job end to end on embedded defaults, with a summary table. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { compareNdjsonFolders, createEngine, createSampleDataset, mutateSampleDataset, t, type Locale } from '../index.js';
import type { BackupResult } from '../shared/contract.js';
import { formatBytes, type Output } from './output.js';

export async function runDemo(opts: { out: Output; locale: Locale; patients: number; keep: boolean }): Promise<number> {
  const { out, locale } = opts;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clinic-backup-demo-'));
  const step = (key: string, params: Record<string, string | number> = {}): void => out.line(t('cli.demo.step', { step: t(key, params, locale) }, locale));
  try {
    const data = path.join(dir, 'export');
    const repo = path.join(dir, 'repository');
    const restored = path.join(dir, 'restored');
    const passwordFile = path.join(dir, 'password');
    await writeFile(passwordFile, 'demo-password-not-for-real-use\n', { mode: 0o600 });

    step('cli.demo.generate', { patients: opts.patients });
    const dataset = await createSampleDataset(data, { patients: opts.patients, seed: 42 });
    const engine = createEngine({ repo, passwordFile });
    try {
      step('cli.demo.init', { location: repo });
      const init = await engine.init({ useKeychain: false, recoveryLanguage: locale });
      step('cli.demo.backup1');
      const first = await engine.backupNdjson(data);
      step('cli.demo.mutate');
      await mutateSampleDataset(data, { fraction: 0.01, seed: 7 });
      step('cli.demo.backup2');
      const second = await engine.backupNdjson(data);
      step('cli.demo.check');
      const check = await engine.check({ readData: true });
      step('cli.demo.restore', { target: restored });
      const restore = await engine.restoreToFolder({ snapshot: 'latest', target: restored, confirmed: true });
      const same = await compareNdjsonFolders(data, restored);
      const stats = await engine.stats();

      const row = (label: string, r: BackupResult): string =>
        `${label.padEnd(14)} ${r.snapshot.shortId}  ${String(r.snapshot.resources).padStart(9)}  ${String(r.snapshot.added).padStart(6)}  ${String(r.snapshot.changed).padStart(7)}  ${String(r.snapshot.deleted).padStart(7)}  ${formatBytes(r.snapshot.storedBytesAdded).padStart(10)}  ${(r.durationMs / 1000).toFixed(1).padStart(5)} s`;
      out.data({ dataset, repoId: init.repoId, backups: [first, second], check, restore, identical: same, stats });
      out.line();
      out.line(`== ${t('cli.demo.summary', {}, locale)} ==`);
      out.line(`${'backup'.padEnd(14)} snapshot   resources     new  changed  deleted       added   time`);
      out.line(row('1 (full)', first));
      out.line(row('2 (1% change)', second));
      out.line();
      out.line(`${'type'.padEnd(22)} resources`);
      for (const [type, n] of Object.entries(second.snapshot.counts)) out.line(`${type.padEnd(22)} ${String(n).padStart(9)}`);
      out.line();
      out.line(`data ${formatBytes(second.snapshot.bytes)} → stored ${formatBytes(stats.storedBytes)} (${stats.compressionRatio.toFixed(1)}×, ${stats.codec}, AES-256-GCM)`);
      out.line(check.ok ? t('cli.check.ok', { ...check.stats, read: formatBytes(check.stats['bytesRead'] ?? 0) }, locale) : t('cli.check.failed', { count: check.problems.length }, locale));
      out.line(t('cli.restore.done', { resources: restore.resources, bytes: formatBytes(restore.bytes), id: restore.snapshotId.slice(0, 8), target: restored }, locale));
      out.line(t('cli.demo.identical', { ok: t(same.identical ? 'cli.yes' : 'cli.no', {}, locale) }, locale));
      if (opts.keep) out.line(t('cli.demo.kept', { dir }, locale));
      return check.ok && same.identical && restore.failures.length === 0 ? 0 : 1;
    } finally {
      await engine.close();
    }
  } finally {
    if (!opts.keep) await rm(dir, { recursive: true, force: true });
  }
}
