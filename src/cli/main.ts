/** clinic-backup: argument parsing and output only; every decision is made by the engine (src/index.ts). */
import { parseArgs } from 'node:util';
import { createEngine, resolveLocale, runSandboxCommand, t, toErrorInfo, TOOL_VERSION, type Engine, type Locale, type SourceAuthRequest, type StrategyName } from '../index.js';
import type { AddCopyRequest, RestorePlan, StatusSummary } from '../shared/contract.js';
import { EngineError, exitCodeFor } from '../shared/errors.js';
import type { ProgressEvent } from '../shared/events.js';
import { runDemo } from './demo.js';
import { createOutput, formatBytes, type Output } from './output.js';

const OPTIONS = {
  repo: { type: 'string' },
  'password-file': { type: 'string' },
  json: { type: 'boolean' },
  lang: { type: 'string' },
  target: { type: 'string' },
  type: { type: 'string', multiple: true },
  patient: { type: 'string' },
  yes: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'read-data': { type: 'boolean' },
  'read-data-subset': { type: 'string' },
  keychain: { type: 'boolean' },
  'no-keychain': { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  recovery: { type: 'boolean' },
  name: { type: 'string' },
  tag: { type: 'string', multiple: true },
  patients: { type: 'string' },
  keep: { type: 'boolean' },
  source: { type: 'string' },
  auth: { type: 'string' },
  'token-file': { type: 'string' },
  username: { type: 'string' },
  'basic-password-file': { type: 'string' },
  'smart-client-id': { type: 'string' },
  'smart-key-file': { type: 'string' },
  'smart-key-id': { type: 'string' },
  'token-url': { type: 'string' },
  strategy: { type: 'string' },
  full: { type: 'boolean' },
  'allow-origin': { type: 'string', multiple: true },
  'allow-fallback': { type: 'boolean' },
  port: { type: 'string' },
  'target-url': { type: 'string' },
  nagios: { type: 'boolean' },
  repair: { type: 'boolean' },
  copy: { type: 'string', multiple: true },
  bucket: { type: 'string' },
  endpoint: { type: 'string' },
  prefix: { type: 'string' },
  region: { type: 'string' },
  'access-key-id': { type: 'string' },
  immutable: { type: 'boolean' },
  'rotate-days': { type: 'string' },
  'limit-upload': { type: 'string' },
  pdf: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'keep-last': { type: 'string' },
  'keep-hourly': { type: 'string' },
  'keep-daily': { type: 'string' },
  'keep-weekly': { type: 'string' },
  'keep-monthly': { type: 'string' },
  'keep-yearly': { type: 'string' },
  'keep-within': { type: 'string' },
  'legal-floor-years': { type: 'string' },
  prune: { type: 'boolean' },
  preset: { type: 'string' },
  every: { type: 'string' },
  daily: { type: 'string' },
  html: { type: 'string' },
  'limit-download': { type: 'string' },
  from: { type: 'string', multiple: true },
  to: { type: 'string' },
  'residency-ack': { type: 'boolean' },
  'recovery-key-file': { type: 'string' },
  'recovery-key': { type: 'boolean' },
  'from-file': { type: 'string' },
  'token-secret': { type: 'string' },
  'basic-password-secret': { type: 'string' },
  'smart-key-secret': { type: 'string' },
  word: { type: 'string', multiple: true },
  'secrets-dir': { type: 'string' },
  snapshot: { type: 'string' },
  'as-of': { type: 'string' },
  plan: { type: 'boolean' },
  verify: { type: 'string' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

interface Ctx {
  readonly values: Values;
  readonly positionals: string[];
  readonly out: Output;
  readonly locale: Locale;
  readonly env: NodeJS.ProcessEnv;
}

function usage(reason: string): EngineError {
  return new EngineError('USAGE', { reason });
}

function engineFor(ctx: Ctx): Engine {
  const repo = ctx.values.repo ?? ctx.env['CLINIC_BACKUP_REPO'];
  if (!repo) throw usage(t('cli.missingRepo', {}, ctx.locale));
  const passwordFile = ctx.values['password-file'] ?? ctx.env['CLINIC_BACKUP_PASSWORD_FILE'];
  const keychainService = ctx.env['CLINIC_BACKUP_KEYCHAIN_SERVICE'];
  const stateDir = ctx.env['CLINIC_BACKUP_STATE_DIR'];
  const secretsDir = ctx.values['secrets-dir'] ?? ctx.env['CLINIC_BACKUP_SECRETS_DIR'];
  const kbps = (v: string | undefined, flag: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw usage(`${flag} <KiB/s>`);
    return n * 1024;
  };
  const up = kbps(ctx.values['limit-upload'], '--limit-upload');
  const down = kbps(ctx.values['limit-download'], '--limit-download');
  const copies = ctx.values.copy ?? (ctx.env['CLINIC_BACKUP_COPIES'] ? (ctx.env['CLINIC_BACKUP_COPIES'] as string).split(',').filter(Boolean) : []);
  return createEngine({
    repo,
    locale: ctx.locale,
    ...(copies.length > 0 ? { copies } : {}),
    ...(up ? { s3UploadBytesPerSecond: up } : {}),
    ...(down ? { s3DownloadBytesPerSecond: down } : {}),
    ...(ctx.values['residency-ack'] ? { residencyAcknowledged: true } : {}),
    ...(passwordFile ? { passwordFile } : {}),
    ...(keychainService ? { keychainService } : {}),
    ...(stateDir ? { stateDir } : {}),
    ...(secretsDir ? { secretsDir } : {}),
  });
}

function progressText(e: ProgressEvent, locale: Locale): string {
  const p = { done: e.done, total: e.total ?? '?', bytes: formatBytes(e.bytes ?? 0), phase: e.phase };
  return t(`cli.progress.${e.op}`, p, locale);
}

async function withEngine<T>(ctx: Ctx, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = engineFor(ctx);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

function printPlan(ctx: Ctx, plan: RestorePlan): void {
  const { out, locale } = ctx;
  out.line(t('cli.plan.header', { id: plan.snapshotId.slice(0, 8), time: plan.snapshotTime, target: plan.target, server: `FHIR ${plan.server.fhirVersion}${plan.server.software ? ` (${plan.server.software})` : ''}` }, locale));
  for (const type of plan.order) out.line(`  ${type.padEnd(24)} ${String(plan.counts[type] ?? 0).padStart(8)}${plan.criticalTypes.includes(type) ? '  *' : ''}`);
  out.line(t('cli.plan.totals', { resources: plan.resources, bytes: formatBytes(plan.bytes), existing: plan.existing }, locale));
  if (plan.newerOnTarget.length > 0) {
    out.line(t('cli.plan.newer', { count: plan.newerOnTarget.length }, locale));
    for (const n of plan.newerOnTarget.slice(0, 20)) out.line(`  ! ${n.resource}  ${n.target} > ${n.backup ?? '—'}`);
  }
  if (plan.danglingReferences && plan.danglingReferences.length > 0) out.line(t('cli.plan.dangling', { refs: plan.danglingReferences.slice(0, 20) }, locale));
}

function printRecoveryKey(ctx: Ctx, repoId: string, location: string, lines: readonly (readonly string[])[]): void {
  const { out, locale } = ctx;
  out.line();
  out.line(t('cli.recovery.title', {}, locale));
  out.line(t('cli.recovery.repo', { id: repoId, location }, locale));
  lines.forEach((words, i) => out.line(`  ${i + 1}. ${words.join(' ')}`));
  out.line();
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readPassphraseFile(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new EngineError('PASSWORD_FILE_UNREADABLE', { path: file });
  });
  return text.replace(/[\r\n]+$/, '');
}

function parseStrategy(value: string): StrategyName {
  if (value === 'bulk-export' || value === 'history' || value === 'search') return value;
  throw usage('--strategy bulk-export|history|search');
}

/** Source credentials come from files named on the command line, never from argument values. */
function sourceAuth(values: Values): SourceAuthRequest {
  const kind = values.auth ?? (values['token-file'] || values['token-secret'] ? 'bearer' : values['smart-client-id'] ? 'smart' : values.username ? 'basic' : 'none');
  const pick = (file: string | undefined, secret: string | undefined, what: string): { file?: string; secret?: string } => {
    if (!file && !secret) throw usage(what);
    return file ? { file } : { secret: secret as string };
  };
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'bearer': {
      const v = pick(values['token-file'], values['token-secret'], '--auth bearer needs --token-file <file> or --token-secret <name>');
      return { kind: 'bearer', ...(v.file ? { tokenFile: v.file } : { tokenSecret: v.secret }) };
    }
    case 'basic': {
      if (!values.username) throw usage('--auth basic needs --username');
      const v = pick(values['basic-password-file'], values['basic-password-secret'], '--auth basic needs --basic-password-file <file> or --basic-password-secret <name>');
      return { kind: 'basic', username: values.username, ...(v.file ? { passwordFile: v.file } : { passwordSecret: v.secret }) };
    }
    case 'smart': {
      if (!values['smart-client-id'] || !values['token-url']) throw usage('--auth smart needs --smart-client-id, --token-url and --smart-key-file or --smart-key-secret');
      const v = pick(values['smart-key-file'], values['smart-key-secret'], '--auth smart needs --smart-key-file <file> or --smart-key-secret <name>');
      return { kind: 'smart', clientId: values['smart-client-id'], tokenUrl: values['token-url'], ...(v.file ? { keyFile: v.file } : { keySecret: v.secret }), ...(values['smart-key-id'] ? { keyId: values['smart-key-id'] } : {}) };
    }
    default:
      throw usage('--auth none|basic|bearer|smart');
  }
}

const commands: Record<string, (ctx: Ctx) => Promise<number>> = {
  async init(ctx) {
    const { values, out, locale } = ctx;
    const passwordFile = values['password-file'] ?? ctx.env['CLINIC_BACKUP_PASSWORD_FILE'];
    // With a password file (headless) the keychain is optional; otherwise it is the default key store.
    const useKeychain = values.keychain === true || (!passwordFile && values['no-keychain'] !== true);
    const result = await withEngine(ctx, (e) => e.init({ useKeychain, recoveryLanguage: locale }));
    out.data(result);
    out.line(t('cli.init.done', { id: result.repoId, location: result.location }, locale));
    out.line(t('cli.init.slots', { slots: result.slots.map((s) => `${s.kind} (${s.id})`) }, locale));
    if (result.recoveryKey) printRecoveryKey(ctx, result.repoId, result.location, result.recoveryKey);
    if (result.confirmPositions) out.line(t('cli.kit.ask', { a: result.confirmPositions[0], b: result.confirmPositions[1] }, locale));
    return 0;
  },

  async backup(ctx) {
    const { out, locale, positionals, values } = ctx;
    const input = positionals[1];
    if (!input && !values.source) throw usage(t('cli.missingArg', { what: '<folder|file> or --source <FHIR base URL>' }, locale));
    const onProgress = (ev: ProgressEvent): void => out.progress(ev, progressText(ev, locale));
    const r = await withEngine(ctx, (e) =>
      values.source
        ? e.backupFhir(
            {
              source: values.source,
              auth: sourceAuth(values),
              ...(values.strategy ? { strategy: parseStrategy(values.strategy) } : {}),
              full: values.full === true,
              ...(values['allow-origin'] ? { allowedOrigins: values['allow-origin'] } : {}),
              tags: values.tag ?? [],
            },
            { onProgress },
          )
        : e.backupNdjson(input as string, { tags: values.tag ?? [], onProgress }),
    );
    out.endProgress();
    out.data(r);
    const s = r.snapshot;
    out.line(
      t('cli.backup.done', { id: s.shortId, resources: s.resources, added: s.added, changed: s.changed, deleted: s.deleted, stored: formatBytes(s.storedBytesAdded), seconds: (r.durationMs / 1000).toFixed(1) }, locale),
    );
    for (const c of r.copies ?? []) out.line(t(`cli.copy.${c.state}`, { location: c.location, copied: c.copied, code: c.errorCode ?? '' }, locale));
    if ((r.copies ?? []).some((c) => c.state === 'failed' || c.state === 'partial')) return 1;
    if (s.partial) {
      out.line(t('cli.backup.partial', { count: s.problemCount }, locale));
      for (const p of r.problems.slice(0, 20)) out.line(`  ${p.file ?? ''}:${p.line ?? ''} ${p.code} ${p.reason ?? ''}`);
      return 1;
    }
    return 0;
  },

  async snapshots(ctx) {
    const { out, locale } = ctx;
    const list = await withEngine(ctx, (e) => e.snapshots());
    out.data(list);
    if (list.length === 0) out.line(t('cli.snapshots.none', {}, locale));
    else out.line(t('cli.snapshots.header', {}, locale));
    for (const s of list) {
      out.line(`${s.shortId}  ${s.time.slice(0, 19).replace('T', ' ')}   ${String(s.resources).padStart(8)}  ${formatBytes(s.bytes).padEnd(9)}  ${s.source.location}${s.partial ? ' (partial)' : ''}`);
    }
    return 0;
  },

  async check(ctx) {
    const { values, out, locale } = ctx;
    let readDataSubset: { n: number; m: number } | undefined;
    if (values['read-data-subset']) {
      const m = /^(\d+)\/(\d+)$/.exec(values['read-data-subset']);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw usage('--read-data-subset n/m, 1 ≤ n ≤ m');
      readDataSubset = { n: Number(m[1]), m: Number(m[2]) };
    }
    const onProgress = (ev: ProgressEvent): void => out.progress(ev, progressText(ev, locale));
    let repair: { repaired: string[]; unrepaired: { file: string; reason: string }[] } | null = null;
    const r = await withEngine(ctx, async (e) => {
      if (!values.repair) return e.check({ readData: values['read-data'] === true, ...(readDataSubset ? { readDataSubset } : {}), onProgress });
      const x = await e.checkAndRepair({ ...(values.from ? { from: values.from } : {}), readData: true }, { onProgress });
      repair = x;
      return x;
    });
    out.endProgress();
    out.data(r);
    const done = repair as { repaired: string[]; unrepaired: { file: string; reason: string }[] } | null;
    if (done) {
      for (const f of done.repaired) out.line(t('cli.repair.fixed', { file: f }, locale));
      for (const u of done.unrepaired) out.line(t('cli.repair.notFixed', { file: u.file, reason: u.reason }, locale));
    }
    if (r.ok) {
      out.line(t('cli.check.ok', { ...r.stats, read: formatBytes(r.stats['bytesRead'] ?? 0) }, locale));
      return 0;
    }
    out.line(t('cli.check.failed', { count: r.problems.length }, locale));
    for (const p of r.problems) {
      out.line(t('cli.check.problem', { file: p.file, reason: p.reason }, locale));
      if (p.snapshots.length > 0) out.line(t('cli.check.affects', { snapshots: p.snapshots.map((s) => s.slice(0, 8)) }, locale));
      if (p.resources.length > 0) out.line(t('cli.check.resources', { resources: p.resources }, locale));
    }
    return 3;
  },

  async restore(ctx) {
    const { values, out, locale, positionals } = ctx;
    const snapshot = values.snapshot ?? positionals[1] ?? 'latest';
    const scope = {
      snapshot,
      ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
      ...(values.type ? { types: values.type } : {}),
      ...(values.patient ? { patient: values.patient } : {}),
    };
    const onProgress = (ev: ProgressEvent): void => out.progress(ev, progressText(ev, locale));
    if (values['target-url']) {
      const request = { ...scope, target: values['target-url'], auth: sourceAuth(values) };
      const plan = await withEngine(ctx, (e) => e.planRestoreToServer(request, { onProgress }));
      out.endProgress();
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
      const r = await withEngine(ctx, (e) => e.restoreToServer({ ...request, confirmed: true, verify }, { onProgress }));
      out.endProgress();
      out.data(r);
      out.line(t('cli.restore.serverDone', { resources: r.restored, target: r.target, seconds: (r.durationMs / 1000).toFixed(1), skipped: r.skippedFromJournal }, locale));
      if (r.timeToCriticalMs !== null) out.line(t('cli.restore.critical', { seconds: (r.timeToCriticalMs / 1000).toFixed(1) }, locale));
      if (r.verification) out.line(t('cli.restore.verified', { checked: r.verification.checked, mismatches: r.verification.mismatches.length }, locale));
      if (r.failures.length > 0) {
        out.line(t('cli.restore.failures', { count: r.failures.length }, locale));
        for (const f of r.failures.slice(0, 50)) out.line(`  ✗ ${f.resource} ${f.code ?? ''} ${f.outcome ?? ''}`);
        return r.failures.some((f) => f.status === 'unreadable') ? 3 : 1;
      }
      return r.verification && r.verification.mismatches.length > 0 ? 1 : 0;
    }
    const target = values.target;
    if (!target) throw usage(t('cli.missingArg', { what: '--target <folder> or --target-url <FHIR base URL>' }, locale));
    if (!values.yes) {
      out.error(t('cli.restore.needConfirm', { target }, locale));
      throw new EngineError('RESTORE_NOT_CONFIRMED');
    }
    const r = await withEngine(ctx, (e) => e.restoreToFolder({ ...scope, target, confirmed: true, overwrite: values.overwrite === true }, { onProgress }));
    out.endProgress();
    out.data(r);
    out.line(t('cli.restore.done', { resources: r.resources, bytes: formatBytes(r.bytes), id: r.snapshotId.slice(0, 8), target: r.target }, locale));
    if (r.failures.length > 0) {
      out.line(t('cli.restore.failures', { count: r.failures.length }, locale));
      for (const f of r.failures.slice(0, 50)) out.line(`  ✗ ${f.resource} ${f.code} ${f.file ?? ''}`);
      return r.failures.some((f) => exitCodeFor(f.code as EngineError['code']) === 3) ? 3 : 1;
    }
    return 0;
  },

  async ls(ctx) {
    const { values, out, positionals } = ctx;
    const r = await withEngine(ctx, (e) =>
      e.ls({ snapshot: positionals[1] ?? 'latest', ...(values.type ? { types: values.type } : {}), ...(values.patient ? { patient: values.patient } : {}), ...(values['as-of'] ? { asOf: values['as-of'] } : {}) }),
    );
    out.data(r);
    for (const x of r.resources) out.line(`${`${x.type}/${x.id}`.padEnd(60)} v${(x.versionId ?? '-').padEnd(4)} ${(x.lastUpdated ?? '').padEnd(29)} ${formatBytes(x.size)}`);
    return 0;
  },

  async dump(ctx) {
    const { positionals, out } = ctx;
    if (!positionals[1] || !positionals[2]) throw usage('dump <snapshot> <Type/id>');
    const r = await withEngine(ctx, (e) => e.dump(positionals[1] as string, positionals[2] as string));
    if (out.json) out.data({ snapshotId: r.snapshotId, resource: JSON.parse(r.bytes.toString('utf8')) as unknown });
    else process.stdout.write(r.bytes.toString('utf8') + '\n');
    return 0;
  },

  async cat(ctx) {
    const { positionals, out } = ctx;
    if (positionals[1] !== 'snapshot' || !positionals[2]) throw usage('cat snapshot <id>');
    const snap = await withEngine(ctx, (e) => e.snapshot(positionals[2] as string));
    out.data(snap);
    out.line(JSON.stringify({ id: snap.summary.id, ...snap.manifest }, null, 2));
    return 0;
  },

  async stats(ctx) {
    const { out, locale } = ctx;
    const s = await withEngine(ctx, (e) => e.stats());
    out.data(s);
    out.line(
      t('cli.stats', { id: s.repoId, location: s.location, snapshots: s.snapshots, packs: s.packs, blobs: s.blobs, stored: formatBytes(s.storedBytes), latest: formatBytes(s.latestBytes), ratio: s.compressionRatio.toFixed(1), codec: s.codec }, locale),
    );
    return 0;
  },

  async key(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1];
    if (sub === 'list') {
      const keys = await withEngine(ctx, (e) => e.listKeys());
      out.data(keys);
      out.line(t('cli.keys.header', {}, locale));
      for (const k of keys) out.line(`${k.id}  ${k.kind.padEnd(10)}  ${k.name.padEnd(19)}  ${k.created.slice(0, 19).replace('T', ' ')}`);
      return 0;
    }
    if (sub === 'add') {
      const kinds = [values.keychain && 'keychain', values['passphrase-file'] && 'passphrase', values.recovery && 'recovery'].filter(Boolean);
      if (kinds.length !== 1) throw usage('key add --keychain | --passphrase-file <file> | --recovery');
      const kind = kinds[0] as 'keychain' | 'passphrase' | 'recovery';
      const passphrase = kind === 'passphrase' ? await readPassphraseFile(values['passphrase-file'] as string) : undefined;
      const r = await withEngine(ctx, (e) => e.addKey(kind, { ...(passphrase ? { passphrase } : {}), ...(values.name ? { name: values.name } : {}), language: locale }));
      out.data(r);
      out.line(t('cli.keys.added', { id: r.slot.id, kind: r.slot.kind }, locale));
      if (r.recoveryKey) printRecoveryKey(ctx, '', '', r.recoveryKey);
      return 0;
    }
    if (sub === 'remove') {
      const id = positionals[2];
      if (!id) throw usage('key remove <id>');
      await withEngine(ctx, (e) => e.removeKey(id));
      out.data({ removed: id });
      out.line(t('cli.keys.removed', { id }, locale));
      return 0;
    }
    if (sub === 'rotate-recovery') {
      const r = await withEngine(ctx, (e) => e.rotateRecoveryKey(ctx.locale));
      out.data(r);
      printRecoveryKey(ctx, r.repoId, r.location, r.recoveryKey);
      out.line(t('cli.kit.ask', { a: r.confirmPositions[0], b: r.confirmPositions[1] }, locale));
      return 0;
    }
    throw usage('key list | key add | key remove <id> | key rotate-recovery');
  },

  async 'recovery-kit'(ctx) {
    const { positionals, values, out, locale } = ctx;
    if (positionals[1] === 'confirm') {
      const answers = (values.word ?? []).map((w) => {
        const m = /^(\d+)=(.+)$/.exec(w);
        if (!m) throw usage('recovery-kit confirm --word N=word --word M=word');
        return { position: Number(m[1]), word: m[2] as string };
      });
      if (answers.length === 0) {
        const status = await withEngine(ctx, (e) => e.recoveryKitStatus());
        out.data(status);
        out.line(status.positions ? t('cli.kit.ask', { a: status.positions[0], b: status.positions[1] }, locale) : t('cli.kit.nothing', {}, locale));
        return status.positions ? 2 : 0;
      }
      const r = await withEngine(ctx, (e) => e.confirmRecoveryKit(answers));
      out.data(r);
      out.line(t('cli.kit.confirmed', {}, locale));
      return 0;
    }
    if (positionals[1] === 'status') {
      const status = await withEngine(ctx, (e) => e.recoveryKitStatus());
      out.data(status);
      out.line(t(status.confirmed ? 'cli.kit.isConfirmed' : 'cli.kit.notConfirmed', { at: status.confirmedAt ?? '' }, locale));
      return 0;
    }
    if (!values.pdf && !values.html) return commands['key']!({ ...ctx, positionals: ['key', 'rotate-recovery'] });
    const kit = await withEngine(ctx, (e) => e.makeRecoveryKit(locale));
    const { writeFile } = await import('node:fs/promises');
    // The kit holds the key: files readable by the owner only.
    if (values.pdf) await writeFile(values.pdf, kit.pdf, { mode: 0o600 });
    if (values.html) await writeFile(values.html, kit.html, { mode: 0o600 });
    out.data({ repoId: kit.repoId, slot: kit.slot, confirmPositions: kit.confirmPositions, pdf: values.pdf ?? null, html: values.html ?? null });
    out.line(t('cli.kit.written', { files: [values.pdf, values.html].filter(Boolean) as string[] }, locale));
    out.line(t('cli.kit.ask', { a: kit.confirmPositions[0], b: kit.confirmPositions[1] }, locale));
    return 0;
  },

  async connect(ctx) {
    const { values, out, locale } = ctx;
    const file = values['recovery-key-file'];
    const text = file ? await readPassphraseFile(file) : await readStdin();
    if (!text.trim()) throw usage('connect --repo <location> --recovery-key-file <file> (or the words on standard input)');
    const passwordFile = values['password-file'] ?? ctx.env['CLINIC_BACKUP_PASSWORD_FILE'];
    const useKeychain = values.keychain === true || (!passwordFile && values['no-keychain'] !== true);
    const r = await withEngine(ctx, (e) => e.connect({ recoveryKey: text, useKeychain }));
    out.data(r);
    out.line(t('cli.connect.done', { id: r.repoId, location: r.location, kind: r.slot.kind, snapshots: r.snapshots }, locale));
    return 0;
  },

  async secrets(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1];
    if (sub === 'list') {
      const names = await withEngine(ctx, (e) => e.listSecrets());
      out.data(names);
      for (const n of names) out.line(n);
      return 0;
    }
    const name = positionals[2];
    if (sub === 'set' && name) {
      const value = values['from-file'] ? await readPassphraseFile(values['from-file']) : (await readStdin()).replace(/[\r\n]+$/, '');
      if (!value) throw usage('secrets set <name> --from-file <file> (or the value on standard input)');
      await withEngine(ctx, (e) => e.setSecret(name, value));
      out.data({ name });
      out.line(t('cli.secrets.set', { name }, locale));
      return 0;
    }
    if (sub === 'delete' && name) {
      const deleted = await withEngine(ctx, (e) => e.deleteSecret(name));
      out.data({ name, deleted });
      out.line(t(deleted ? 'cli.secrets.deleted' : 'cli.secrets.none', { name }, locale));
      return deleted ? 0 : 1;
    }
    throw usage('secrets list | secrets set <name> [--from-file F] | secrets delete <name>');
  },

  async replicate(ctx) {
    const { values, out, locale } = ctx;
    if (!values.to) throw usage('replicate --to <location> [--from <location>]');
    const from = values.from?.[0];
    const r = await withEngine(ctx, (e) => e.replicate({ to: values.to as string, ...(from ? { from } : {}) }, { onProgress: (ev) => out.progress(ev, progressText(ev, locale)) }));
    out.endProgress();
    out.data(r);
    out.line(t(r.complete ? 'cli.replicate.done' : 'cli.replicate.partial', { copied: r.copied, skipped: r.skipped, bytes: formatBytes(r.bytes), failed: r.failed.length }, locale));
    for (const f of r.failed.slice(0, 20)) out.line(`  ✗ ${f.file} ${f.code}`);
    return r.complete ? 0 : 1;
  },

  async destinations(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1];
    if (sub === 'add') {
      const kind = positionals[2];
      let request: AddCopyRequest;
      if (kind === 's3') {
        // The secret key comes from a file (never argv); the key id is an identifier, like a user name.
        if (!values.bucket || !values.region || !values['access-key-id'] || !values['from-file']) {
          throw usage('destinations add s3 --bucket B --region R --access-key-id ID --from-file <secret-key-file> [--endpoint https://host] [--prefix P] [--immutable] [--residency-ack]');
        }
        request = {
          kind: 's3',
          bucket: values.bucket,
          region: values.region,
          accessKeyId: values['access-key-id'],
          secretAccessKey: await readPassphraseFile(values['from-file']),
          ...(values.endpoint ? { endpoint: values.endpoint } : {}),
          ...(values.prefix ? { prefix: values.prefix } : {}),
          immutable: values.immutable === true,
          residencyAcknowledged: values['residency-ack'] === true,
        };
      } else if ((kind === 'usb' || kind === 'nas') && positionals[3]) {
        const rotate = values['rotate-days'] === undefined ? undefined : Number(values['rotate-days']);
        request = { kind, path: positionals[3], ...(rotate !== undefined ? { rotateDays: rotate } : {}) };
      } else throw usage('destinations add s3 … | destinations add usb|nas <folder> [--rotate-days N]');
      const r = await withEngine(ctx, (e) => e.addCopy(request));
      out.data(r);
      out.line(t(r.existing ? 'cli.dest.addedExisting' : 'cli.dest.added', { location: r.location }, locale));
      return 0;
    }
    if (sub === 'remove') {
      const location = positionals[2];
      if (!location) throw usage('destinations remove <location>');
      const r = await withEngine(ctx, (e) => e.removeCopy(location));
      out.data(r);
      out.line(t(r.removed ? 'cli.dest.removed' : 'cli.dest.notACopy', { location }, locale));
      return r.removed ? 0 : 1;
    }
    if (sub !== undefined && sub !== 'list') throw usage('destinations [list] | destinations add … | destinations remove <location>');
    const list = await withEngine(ctx, (e) => e.destinations());
    out.data(list);
    for (const d of list) {
      out.line(t('cli.dest.line', { kind: d.kind, location: d.location, at: d.lastSuccessAt ?? '—', snapshot: d.latestSnapshot?.slice(0, 8) ?? '—', state: d.offline ? 'offline' : d.errorCode ?? 'ok' }, locale));
      if (d.overdue) out.line(t('cli.dest.overdue', {}, locale));
    }
    return 0;
  },

  async forget(ctx) {
    const { values, out, locale } = ctx;
    const num = (k: 'keep-last' | 'keep-hourly' | 'keep-daily' | 'keep-weekly' | 'keep-monthly' | 'keep-yearly' | 'legal-floor-years'): number | undefined => {
      const v = values[k];
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v)) throw usage(`--${k} <number>`);
      return Number(v);
    };
    const given = ['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly', 'keep-within', 'legal-floor-years'].some((k) => values[k as keyof Values] !== undefined);
    const policy = given
      ? {
          ...(num('keep-last') !== undefined ? { keepLast: num('keep-last') } : {}),
          ...(num('keep-hourly') !== undefined ? { keepHourly: num('keep-hourly') } : {}),
          ...(num('keep-daily') !== undefined ? { keepDaily: num('keep-daily') } : {}),
          ...(num('keep-weekly') !== undefined ? { keepWeekly: num('keep-weekly') } : {}),
          ...(num('keep-monthly') !== undefined ? { keepMonthly: num('keep-monthly') } : {}),
          ...(num('keep-yearly') !== undefined ? { keepYearly: num('keep-yearly') } : {}),
          ...(values['keep-within'] ? { keepWithin: values['keep-within'] } : {}),
          ...(num('legal-floor-years') !== undefined ? { legalFloorYears: num('legal-floor-years') } : {}),
        }
      : undefined;
    const r = await withEngine(ctx, (e) => e.forget({ ...(policy ? { policy } : {}), dryRun: values['dry-run'] === true }));
    out.data(r);
    for (const d of r.decisions) out.line(d.explanation);
    out.line(t(values['dry-run'] ? 'cli.forget.dryRun' : 'cli.forget.done', { removed: r.decisions.filter((d) => !d.keep).length, kept: r.decisions.filter((d) => d.keep).length }, locale));
    if (values.prune && !values['dry-run']) return commands['prune']!(ctx);
    return 0;
  },

  async prune(ctx) {
    const { values, out, locale } = ctx;
    const r = await withEngine(ctx, (e) => e.prune({ dryRun: values['dry-run'] === true }, { onProgress: (ev) => out.progress(ev, progressText(ev, locale)) }));
    out.endProgress();
    out.data(r);
    out.line(t(r.dryRun ? 'cli.prune.dryRun' : 'cli.prune.done', { deleted: r.packsDeleted + r.unindexedPacksDeleted, repacked: r.packsRepacked, freed: formatBytes(r.bytesFreed), locked: r.packsKeptLocked }, locale));
    return 0;
  },

  async migrate(ctx) {
    const { out, locale } = ctx;
    const r = await withEngine(ctx, (e) => e.migrate({ onProgress: (ev) => out.progress(ev, progressText(ev, locale)) }));
    out.endProgress();
    out.data(r);
    out.line(t(r.wasVersion2 ? 'cli.migrate.already' : 'cli.migrate.done', { migrated: r.migrated, already: r.alreadyMigrated, deleted: r.deletedFiles }, locale));
    return 0;
  },

  async schedule(ctx) {
    const { positionals, values, out, locale } = ctx;
    if (positionals[1] === 'set') {
      const which = positionals[2];
      if (which !== 'backup' && which !== 'drill') throw usage('schedule set backup|drill (--every MINUTES | --daily HH:MM)');
      const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'America/Sao_Paulo';
      const policy = values.every ? { kind: 'interval' as const, everyMinutes: Number(values.every), timeZone: tz } : values.daily ? { kind: 'daily' as const, at: values.daily, timeZone: tz } : null;
      if (!policy) throw usage('schedule set backup|drill (--every MINUTES | --daily HH:MM)');
      await withEngine(ctx, async (e) => {
        const current = await e.getSettings();
        await e.updateSettings({ schedule: { ...current.schedule, [which]: policy } });
      });
    }
    const list = await withEngine(ctx, (e) => e.schedules());
    out.data(list);
    for (const j of list) out.line(t('cli.schedule.line', { name: j.name, description: j.description, next: j.nextAt }, locale));
    return 0;
  },

  async 'run-scheduler'(ctx) {
    const { out, locale } = ctx;
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    out.line(t('cli.scheduler.started', {}, locale));
    await withEngine(ctx, (e) =>
      e.runScheduler({
        signal: controller.signal,
        onEvent: (ev) => {
          if (ev.type === 'started' || ev.type === 'finished' || ev.type === 'failed') process.stderr.write(`[${new Date().toISOString()}] ${ev.type} ${ev.job}\n`);
        },
      }),
    );
    out.line(t('cli.scheduler.stopped', {}, locale));
    return 0;
  },

  async drill(ctx) {
    const { values, out, locale } = ctx;
    const r = await withEngine(ctx, (e) =>
      e.drill(
        { ...(values.snapshot ? { snapshot: values.snapshot } : {}), ...(values['target-url'] ? { target: values['target-url'] } : {}), ...(values['allow-fallback'] ? { allowFallback: true } : {}) },
        { onProgress: (ev) => out.progress(ev, progressText(ev, locale)) },
      ),
    );
    out.endProgress();
    out.data(r);
    out.line(
      t(r.status === 'success' ? 'cli.drill.ok' : 'cli.drill.failed', { id: r.id, status: r.status, score: r.integrityScore === null ? '—' : (r.integrityScore * 100).toFixed(1), seconds: r.recoveryTimeMs === null ? '—' : (r.recoveryTimeMs / 1000).toFixed(1), resources: r.resourcesRestored }, locale),
    );
    return r.status === 'success' ? 0 : r.status === 'failed' ? 3 : 1;
  },

  async report(ctx) {
    const { positionals, values, out, locale } = ctx;
    const kind = positionals[1];
    if ((kind !== 'drill' && kind !== 'dr-plan' && kind !== 'compliance') || (!values.pdf && !values.html) || (kind === 'drill' && !positionals[2])) {
      throw usage('report drill <id> | report dr-plan | report compliance  --pdf F [--html F]');
    }
    const id = Number(positionals[2]);
    if (kind === 'drill' && !Number.isInteger(id)) throw usage('report drill <id>');
    const r = await withEngine(ctx, (e) => (kind === 'drill' ? e.drillReport(id) : e.configurationReport(kind)));
    const { writeFile } = await import('node:fs/promises');
    if (values.pdf) await writeFile(values.pdf, r.pdf);
    if (values.html) await writeFile(values.html, r.html);
    out.data({ pdf: values.pdf ?? null, html: values.html ?? null });
    out.line(t('cli.report.written', { files: [values.pdf, values.html].filter(Boolean) as string[] }, locale));
    return 0;
  },

  async doctor(ctx) {
    const { out, locale } = ctx;
    const r = await withEngine(ctx, (e) => e.doctor());
    out.data(r);
    const mark: Record<string, string> = { pass: '✓', warn: '!', fail: '✗', skip: '–' };
    for (const c of r.checks) {
      out.line(`${mark[c.status] ?? '?'} ${c.title}${c.subject ? ` (${c.subject})` : ''}: ${c.detail}`);
      if (c.fix && c.status !== 'pass') out.line(`    → ${c.fix}`);
    }
    out.line(t(r.ok ? 'cli.doctor.ok' : 'cli.doctor.problems', {}, locale));
    return r.ok ? 0 : 1;
  },

  async alerts(ctx) {
    const { positionals, out, locale } = ctx;
    if (positionals[1] === 'test' && positionals[2]) {
      const r = await withEngine(ctx, (e) => e.sendTestAlert(positionals[2] as string));
      out.data(r);
      out.line(t('cli.alerts.testSent', { channel: r.channel }, locale));
      return 0;
    }
    if (positionals[1] === 'check' || positionals[1] === undefined) {
      const r = await withEngine(ctx, async (e) => ({ result: await e.checkAlerts(), status: await e.status() }));
      out.data(r);
      out.line(t('cli.alerts.summary', { active: r.result.active, raised: r.result.raised, cleared: r.result.cleared, delivered: r.result.delivered, failed: r.result.failed }, locale));
      for (const a of r.status.alerts) out.line(`  [${a.severity}] ${a.message}`);
      return 0;
    }
    throw usage('alerts [check] | alerts test <email|webhook>');
  },

  async settings(ctx) {
    const { positionals, values, out, locale } = ctx;
    if (positionals[1] === 'set') {
      if (!values['from-file']) throw usage('settings set --from-file <settings.json>');
      const text = await (await import('node:fs/promises')).readFile(values['from-file'], 'utf8');
      let patch: unknown;
      try {
        patch = JSON.parse(text);
      } catch {
        throw new EngineError('INVALID_SETTINGS', { reason: 'the file is not JSON' });
      }
      const r = await withEngine(ctx, (e) => e.updateSettings(patch as Parameters<Engine['updateSettings']>[0]));
      out.data(r);
      out.line(t('cli.settings.saved', {}, locale));
      return 0;
    }
    const r = await withEngine(ctx, (e) => e.getSettings());
    out.data(r);
    out.line(JSON.stringify(r, null, 2));
    return 0;
  },

  async status(ctx) {
    const { out, locale, values } = ctx;
    let s: StatusSummary;
    try {
      s = await withEngine(ctx, (e) => e.status());
    } catch (err) {
      if (!values.nagios) throw err;
      // Nagios/Icinga: UNKNOWN when the status itself cannot be read.
      process.stdout.write(`CLINIC-BACKUP UNKNOWN - ${toErrorInfo(err, locale).message}\n`);
      return 3;
    }
    if (values.nagios) {
      const code = s.state === 'error' ? 2 : s.state === 'warning' ? 1 : 0;
      const label = ['OK', 'WARNING', 'CRITICAL'][code] as string;
      const age = s.kpis.rpoAchievedMs === null ? 'U' : String(Math.round(s.kpis.rpoAchievedMs / 1000));
      process.stdout.write(`CLINIC-BACKUP ${label} - ${s.reasons[0] ?? t('cli.status.allGood', {}, locale)} | last_success_age=${age}s;${s.kpis.rpoTargetMs / 1000};${(s.kpis.rpoTargetMs * 2) / 1000} health=${s.kpis.healthScore};80;60;0;100 snapshots=${s.snapshots}\n`);
      return code;
    }
    out.data(s);
    const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);
    out.line(t('cli.status.header', { state: t(`cli.status.state.${s.state}`, {}, locale), id: s.repoId.slice(0, 8), location: s.location }, locale));
    for (const r of s.reasons) out.line(`  • ${r}`);
    out.line(t('cli.status.last', { at: s.lastSuccessAt ?? '—', next: s.nextBackupAt ?? '—', snapshots: s.snapshots }, locale));
    out.line(`3-2-1-1-0: ${s.copies.text}`);
    out.line(
      t('cli.status.kpis', { success: pct(s.kpis.backupSuccessRate), compression: pct(s.kpis.compressionRate), validation: pct(s.kpis.validationRate), drills: pct(s.kpis.recoveryTestSuccessRate), health: s.kpis.healthScore }, locale),
    );
    return s.state === 'error' ? 1 : 0;
  },

  async catalog(ctx) {
    if (ctx.positionals[1] !== 'rebuild') throw usage('catalog rebuild');
    const r = await withEngine(ctx, (e) => e.rebuildCatalog());
    ctx.out.data(r);
    ctx.out.line(t('cli.catalog.rebuilt', { snapshots: r.snapshots }, ctx.locale));
    return 0;
  },

  async sandbox(ctx) {
    const port = ctx.values.port ? Number(ctx.values.port) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage('--port 0-65535');
    const patients = ctx.values.patients ? Number(ctx.values.patients) : 10;
    if (!Number.isInteger(patients) || patients < 0) throw usage('--patients N');
    await runSandboxCommand({ port, patients, seed: ctx.values.seed ? Number(ctx.values.seed) : 1, locale: ctx.locale });
    return 0;
  },

  async demo(ctx) {
    return runDemo({ out: ctx.out, locale: ctx.locale, patients: ctx.values.patients ? Number(ctx.values.patients) : 300, keep: ctx.values.keep === true });
  },
};

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: Values;
  let positionals: string[];
  let out = createOutput(argv.includes('--json'));
  let locale = resolveLocale(null, env);
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    out.error(t('cli.error', { code: 'USAGE', message: err instanceof Error ? err.message : String(err) }, locale));
    return 2;
  }
  locale = resolveLocale(values.lang ?? null, env);
  out = createOutput(values.json === true);
  if (values.version) {
    process.stdout.write(`clinic-backup ${TOOL_VERSION}\n`);
    return 0;
  }
  const command = positionals[0];
  if (!command || values.help) {
    process.stdout.write(t('cli.usage', {}, locale) + '\n');
    return command || values.help ? 0 : 2;
  }
  const run = commands[command];
  if (!run) {
    out.error(t('cli.error', { code: 'USAGE', message: t('cli.unknownCommand', { command }, locale) }, locale));
    return 2;
  }
  try {
    return await run({ values, positionals, out, locale, env });
  } catch (err) {
    const info = toErrorInfo(err, locale);
    if (out.json) process.stdout.write(JSON.stringify({ error: info }, null, 2) + '\n');
    out.error(t('cli.error', { code: info.code, message: info.message }, locale));
    return exitCodeFor(info.code);
  }
}
