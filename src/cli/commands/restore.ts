/** `clinic-backup restore`: restore to a folder (NDJSON per type) or into a FHIR server. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { t } from '../../i18n/index.js';
import { EngineError, exitCodeFor, type FhirRestoreResult, type RestorePlan } from '../../shared/index.js';
import { clinicTime, longOperation, printList, printListingLost, printMissingTypes, printShared, usage, withEngine, type Command, type Ctx } from '../context.js';
import { formatBytes } from '../output.js';
import { assertFolderTarget } from '../options.js';
import { sourceAuth } from '../sourceAuth.js';
import { dbSourceFrom } from '../dbSource.js';
import { DB_OPTIONS, SNAPSHOT_ARG, SOURCE_AUTH } from '../spec.js';

function printRestoreExtras(ctx: Ctx, r: FhirRestoreResult): void {
  const { out, locale } = ctx;
  if (r.ids?.mode === 'server-assigned') {
    out.line(t('cli.restore.idMap', { assigned: r.ids.assigned, known: r.ids.known, file: r.ids.file ?? '—' }, locale));
    // A sample of the map (the whole map is in the file named above), then how many more pairs there are.
    printList(
      ctx,
      r.ids.sample.map((m) => `  ${m.from} → ${m.to}`),
      r.ids.known,
      10,
    );
  }
  if (r.attachments && (r.attachments.binariesCreated > 0 || r.attachments.failed > 0))
    out.line(t('cli.restore.attachments', { created: r.attachments.binariesCreated, bytes: formatBytes(r.attachments.bytes), failed: r.attachments.failed }, locale));
  const skipped = [...(r.administration?.excluded ?? []).map((e) => `${e.type} (${e.count})`), ...(r.administration?.refused ?? []).map((e) => `${e.resource} ${e.code}`)];
  if (skipped.length > 0) {
    out.line(t('cli.restore.adminSkipped', { items: skipped.length }, locale));
    printList(
      ctx,
      skipped.map((x) => `  – ${x}`),
    );
  }
}

function printPlan(ctx: Ctx, plan: RestorePlan): void {
  const { out, locale } = ctx;
  out.line(
    t(
      'cli.plan.header',
      {
        id: plan.snapshotId.slice(0, 8),
        time: clinicTime(ctx, plan.snapshotTime),
        target: plan.target,
        server: `FHIR ${plan.server.fhirVersion}${plan.server.software ? ` (${plan.server.software})` : ''}`,
      },
      locale,
    ),
  );
  for (const type of plan.order) out.line(`  ${type.padEnd(24)} ${String(plan.counts[type] ?? 0).padStart(8)}${plan.criticalTypes.includes(type) ? '  *' : ''}`);
  out.line(t('cli.plan.totals', { resources: plan.resources, bytes: formatBytes(plan.bytes), existing: plan.existing }, locale));
  const newerTotal = plan.newerOnTargetTotal ?? plan.newerOnTarget.length;
  if (newerTotal > 0) {
    out.line(t('cli.plan.newer', { count: newerTotal }, locale));
    printList(
      ctx,
      plan.newerOnTarget.map((n) => `  ! ${n.resource}  ${n.target} > ${n.backup ?? '—'}`),
      newerTotal,
    );
  }
  printShared(ctx, plan.shared ?? [], plan.sharedIncluded === true);
  if (plan.danglingReferences && plan.danglingReferences.length > 0) {
    out.line(t('cli.plan.dangling', { count: plan.danglingReferences.length }, locale));
    printList(
      ctx,
      plan.danglingReferences.map((r) => `  → ${r}`),
    );
  }
  if (plan.sameOnTarget) out.line(t('cli.plan.same', { count: plan.sameOnTarget }, locale));
  if (plan.ids?.mode === 'server-assigned') out.line(t('cli.plan.assignedIds', { known: plan.ids.known }, locale));
  const a = plan.attachments;
  if (a && a.count > 0)
    out.line(t('cli.plan.attachments', { stored: a.stored, bytes: formatBytes(a.bytes), binaries: a.binaries, reused: a.alreadyOnTarget, follow: a.followResources, notStored: a.notStored }, locale));
  const admin = Object.entries(plan.administration?.counts ?? {});
  if (admin.length > 0) out.line(t(plan.administration?.included ? 'cli.plan.adminIncluded' : 'cli.plan.adminExcluded', { types: admin.map(([type, n]) => `${type} (${n})`) }, locale));
  printListingLost(ctx, plan.listingLost ?? []);
}

/** A folder that does not exist yet, beside the current one: restores never mix into existing files by default. */
function newFolderName(snapshotTime: string, p: string): string {
  const leaf = p.split('/').filter(Boolean).pop() ?? 'arquivos';
  return path.resolve(`restaurado-${snapshotTime.slice(0, 10)}-${leaf.replace(/[\\/:*?"<>|]/g, '_')}`);
}

async function restoreFiles(ctx: Ctx, snapshot: string, paths: readonly string[]): Promise<number> {
  const { values, out, locale } = ctx;
  if (paths.length > 1) throw usage(t('cli.onePath', {}, locale));
  const p = (paths[0] ?? '').replace(/^\/+/, '');
  const scope = { snapshot, ...(values['as-of'] ? { asOf: values['as-of'] } : {}), ...(values['source-name'] ? { source: values['source-name'] } : {}), path: p };
  let target = values.target;
  if (target) assertFolderTarget(target, locale);
  else {
    const first = await withEngine(ctx, (e) => e.listFiles({ ...scope, limit: 1 }));
    target = newFolderName(first.snapshotTime, p);
    for (let n = 2; existsSync(target) && n < 1000; n++) target = `${newFolderName(first.snapshotTime, p)}-${n}`;
  }
  const request = { ...scope, target };
  const plan = await withEngine(ctx, (e) => e.planRestoreFiles(request));
  out.line(
    t(
      'cli.restore.filesPlan',
      {
        path: plan.path || '/',
        id: plan.snapshotId.slice(0, 8),
        time: clinicTime(ctx, plan.snapshotTime),
        target: plan.target,
        files: plan.files,
        dirs: plan.dirs,
        symlinks: plan.symlinks,
        bytes: formatBytes(plan.bytes),
      },
      locale,
    ),
  );
  for (const r of plan.renamed) out.line(`  ! ${r}`);
  if (plan.existingCount > 0) {
    out.line(t('cli.restore.filesExisting', { count: plan.existingCount }, locale));
    printList(
      ctx,
      plan.existing.map((x) => `  ! ${x}`),
      plan.existingCount,
    );
  }
  if (values.plan) {
    out.data({ plan });
    return 0;
  }
  if (plan.existingCount > 0 && !(values.overwrite && values.yes)) {
    out.error(t('cli.restore.filesNeedOverwrite', {}, locale));
    throw new EngineError('RESTORE_FILE_EXISTS', { path: path.join(plan.target, plan.existing[0] ?? ''), count: plan.existingCount });
  }
  const run = longOperation(ctx);
  const r = await withEngine(ctx, (e) => e.restoreFiles({ ...request, overwrite: plan.existingCount > 0 }, run));
  out.endProgress();
  out.data(r);
  out.line(t('cli.restore.filesDone', { files: r.written, bytes: formatBytes(r.bytesWritten), target: r.target }, locale));
  if (r.changedDuringBackup.length > 0) {
    out.line(t('cli.restore.filesChanged', { count: r.changedDuringBackup.length }, locale));
    printList(
      ctx,
      r.changedDuringBackup.map((x) => `  ~ ${x}`),
    );
  }
  return 0;
}

export const command: Command = {
  spec: {
    options: [
      'snapshot',
      'as-of',
      'type',
      'patient',
      'include-shared',
      'include-admin',
      'target',
      'target-url',
      'plan',
      'yes',
      'overwrite',
      'verify',
      'path',
      'into-database',
      'source-name',
      'db',
      ...DB_OPTIONS,
      ...SOURCE_AUTH,
    ],
    conflicts: [
      ['path', 'target-url'],
      ['into-database', 'target'],
      ['into-database', 'target-url'],
      ['into-database', 'path'],
      ['path', 'type'],
      ['path', 'patient'],
      ['target', 'target-url'],
      ['plan', 'yes'],
      [SNAPSHOT_ARG, 'snapshot'],
      [SNAPSHOT_ARG, 'as-of'],
      ['snapshot', 'as-of'],
      [SNAPSHOT_ARG, 'source-name'],
      ['snapshot', 'source-name'],
      ['overwrite', 'target-url'],
      ['verify', 'target'],
      ['verify', 'plan'],
    ],
    requires: [
      ['db', ['into-database']],
      ['source-name', ['path', 'into-database']],
      ...DB_OPTIONS.map((o) => [o, ['into-database']] as const),
      ['include-shared', ['patient']],
      ['include-admin', ['target-url']],
      ...SOURCE_AUTH.map((o) => [o, ['target-url']] as const),
    ],
    operands: [[1, SNAPSHOT_ARG]],
    cancellable: true,
  },
  cancelNote(ctx) {
    const { values, locale } = ctx;
    if (values.plan) return null;
    return values['target-url'] ? t('cli.restore.cancelledServer', { target: values['target-url'] }, locale) : t('cli.restore.cancelledFolder', { target: values.target ?? '' }, locale);
  },
  async run(ctx) {
    const { values, out, locale, positionals } = ctx;
    const snapshot = values.snapshot ?? positionals[1] ?? 'latest';
    if (values.path) return restoreFiles(ctx, snapshot, values.path);
    if (values['into-database']) {
      const into = values['into-database'];
      const connection = values.db ? dbSourceFrom(values.db, values) : undefined;
      // A configured source by name: its latest dump, restored on its own server (the connection need not be repeated).
      const source = values['source-name'];
      const r = await withEngine(ctx, (e) =>
        e.restoreDatabase({ snapshot, ...(values['as-of'] ? { asOf: values['as-of'] } : {}), ...(source ? { source } : {}), into, ...(connection ? { connection } : {}) }, longOperation(ctx)),
      );
      out.endProgress();
      out.data(r);
      out.line(t('cli.restore.dbDone', { into: r.into, bytes: formatBytes(r.bytes), id: r.snapshotId.slice(0, 8) }, locale));
      return 0;
    }
    const scope = {
      snapshot,
      ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
      ...(values.type ? { types: values.type } : {}),
      ...(values.patient ? { patient: values.patient } : {}),
      ...(values['include-shared'] ? { includeShared: true } : {}),
    };
    const run = longOperation(ctx);
    if (values['target-url']) {
      const request = { ...scope, target: values['target-url'], auth: sourceAuth(values), ...(values['include-admin'] ? { includeAdministration: true } : {}) };
      const plan = await withEngine(ctx, (e) => e.planRestoreToServer(request, run));
      out.endProgress();
      printMissingTypes(ctx, plan.missingTypes ?? []);
      printPlan(ctx, plan);
      if (values.plan) {
        out.data({ plan });
        return 0;
      }
      if (!values.yes) {
        out.error(t('cli.restore.needConfirm', { target: plan.target }, locale));
        throw new EngineError('RESTORE_NOT_CONFIRMED');
      }
      const verify = values.verify ?? 'sample';
      if (verify !== 'none' && verify !== 'sample' && verify !== 'all') throw usage('--verify none|sample|all');
      const r = await withEngine(ctx, (e) => e.restoreToServer({ ...request, confirmed: true, verify }, run));
      out.endProgress();
      out.data(r);
      out.line(t('cli.restore.serverDone', { resources: r.restored, target: r.target, seconds: (r.durationMs / 1000).toFixed(1), skipped: r.skippedFromJournal }, locale));
      if (r.timeToCriticalMs !== null) out.line(t('cli.restore.critical', { seconds: (r.timeToCriticalMs / 1000).toFixed(1) }, locale));
      if (r.verification) out.line(t('cli.restore.verified', { checked: r.verification.checked, mismatches: r.verification.mismatches.length }, locale));
      printRestoreExtras(ctx, r);
      if (r.failures.length > 0) {
        out.line(t('cli.restore.failures', { count: r.failures.length }, locale));
        printList(
          ctx,
          r.failures.map((f) => `  ✗ ${f.resource} ${f.code ?? ''} ${f.outcome ?? ''}`),
        );
      }
      printListingLost(ctx, plan.listingLost ?? []);
      if (r.failures.some((f) => f.status === 'unreadable') || (plan.listingLost ?? []).length > 0) return 3;
      if (r.failures.length > 0) return 1;
      return r.verification && r.verification.mismatches.length > 0 ? 1 : 0;
    }
    const target = values.target;
    if (!target) throw usage(t('cli.missingArg', { what: '--target <folder> or --target-url <FHIR base URL>' }, locale));
    assertFolderTarget(target, locale);
    if (values.plan) {
      const plan = await withEngine(ctx, (e) => e.planRestoreToFolder(scope, run));
      out.endProgress();
      out.data({ plan });
      printMissingTypes(ctx, plan.missingTypes);
      out.line(t('cli.plan.folderHeader', { id: plan.snapshotId.slice(0, 8), time: clinicTime(ctx, plan.snapshotTime), target }, locale));
      for (const [type, n] of Object.entries(plan.counts)) out.line(`  ${type.padEnd(24)} ${String(n).padStart(8)}`);
      out.line(t('cli.plan.folderTotals', { resources: plan.resources, bytes: formatBytes(plan.bytes) }, locale));
      printShared(ctx, plan.shared, plan.sharedIncluded);
      printListingLost(ctx, plan.listingLost);
      return 0;
    }
    if (!values.yes) {
      out.error(t('cli.restore.needConfirm', { target }, locale));
      throw new EngineError('RESTORE_NOT_CONFIRMED');
    }
    const r = await withEngine(ctx, (e) => e.restoreToFolder({ ...scope, target, confirmed: true, overwrite: values.overwrite === true }, run));
    out.endProgress();
    out.data(r);
    printMissingTypes(ctx, r.missingTypes ?? []);
    out.line(t('cli.restore.done', { resources: r.resources, bytes: formatBytes(r.bytes), id: r.snapshotId.slice(0, 8), target: r.target }, locale));
    if (r.attachments) out.line(t('cli.restore.folderAttachments', { files: r.attachments.files, bytes: formatBytes(r.attachments.bytes), listed: r.attachments.listed }, locale));
    printShared(ctx, r.shared ?? [], r.sharedIncluded === true);
    if (r.failures.length > 0) {
      out.line(t('cli.restore.failures', { count: r.failures.length }, locale));
      printList(
        ctx,
        r.failures.map((f) => `  ✗ ${f.resource} ${f.code} ${f.file ?? ''}`),
      );
    }
    printListingLost(ctx, r.listingLost ?? []);
    if ((r.listingLost ?? []).length > 0 || r.failures.some((f) => exitCodeFor(f.code as EngineError['code']) === 3)) return 3;
    return r.failures.length > 0 ? 1 : 0;
  },
};
