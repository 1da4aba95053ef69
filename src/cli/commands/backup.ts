/** `clinic-backup backup`: back up a FHIR server (with its attachments) or NDJSON files into the repository. */
import { errorText, t, type Locale } from '../../i18n/index.js';
import { type BackupProblem, ERROR_CODES, type ErrorCode } from '../../shared/index.js';
import { longOperation, positiveInt, printList, usage, withEngine, type Command, type Ctx } from '../context.js';
import { formatBytes } from '../output.js';
import { parseStrategy, sourceAuth } from '../sourceAuth.js';
import { dbSourceFrom } from '../dbSource.js';
import { COPIES, DB_OPTIONS, INPUT_ARG, SOURCE_AUTH, type OptionName } from '../spec.js';

function problemText(p: BackupProblem, locale: Locale): string {
  const code = (ERROR_CODES as readonly string[]).includes(p.code) ? (p.code as ErrorCode) : null;
  return code ? errorText({ code, details: { path: p.file ?? '', reason: p.reason ?? '', errno: p.reason ?? '', kind: p.reason ?? '', attempts: 2 } }, locale) : `${p.code} ${p.reason ?? ''}`;
}

async function backupFolders(ctx: Ctx, paths: readonly string[]): Promise<number> {
  const { out, locale, values } = ctx;
  const run = longOperation(ctx);
  const r = await withEngine(ctx, (e) =>
    e.backupFolders({ paths, exclude: values.exclude ?? [], ...(values.name ? { name: values.name } : {}), tags: values.tag ?? [], allowEmpty: values['allow-empty'] === true }, run),
  );
  out.endProgress();
  out.data(r);
  const s = r.snapshot;
  out.line(
    t(
      'cli.backup.filesDone',
      { id: s.shortId, files: s.counts['files'] ?? 0, read: r.files.read, unchanged: r.files.unchanged, stored: formatBytes(s.storedBytesAdded), seconds: (r.durationMs / 1000).toFixed(1) },
      locale,
    ),
  );
  if (s.suspicious)
    out.error(t('cli.backup.suspicious', { drop: s.suspicious.dropPercent, before: s.suspicious.previousResources, now: s.suspicious.resources, previous: s.suspicious.previous.slice(0, 8) }, locale));
  for (const c of r.copies ?? []) out.line(t(`cli.copy.${c.state}`, { location: c.location, copied: c.copied, code: c.errorCode ?? '' }, locale));
  if (s.partial) {
    out.line(t('cli.backup.fileProblems', { count: s.problemCount }, locale));
    printList(
      ctx,
      r.problems.map((p) => `  ${p.code === 'FILE_CHANGED_DURING_BACKUP' ? '~' : '✗'} ${p.file ?? ''}  ${problemText(p, locale)}`),
      s.problemCount,
    );
    return 1;
  }
  return (r.copies ?? []).some((c) => c.state === 'failed' || c.state === 'partial') ? 1 : 0;
}

async function backupDatabase(ctx: Ctx, kind: string): Promise<number> {
  const { out, locale, values } = ctx;
  const source = dbSourceFrom(kind, values);
  const run = longOperation(ctx);
  const r = await withEngine(ctx, (e) => e.backupDatabase({ source, ...(values.name ? { name: values.name } : {}), tags: values.tag ?? [] }, run));
  out.endProgress();
  out.data(r);
  const s = r.snapshot;
  out.line(
    t(
      'cli.backup.dbDone',
      {
        id: s.shortId,
        label: r.dump.label,
        file: r.dump.fileName,
        bytes: formatBytes(r.dump.bytes),
        tool: r.dump.toolVersion,
        stored: formatBytes(s.storedBytesAdded),
        seconds: (r.durationMs / 1000).toFixed(1),
      },
      locale,
    ),
  );
  for (const c of r.copies ?? []) out.line(t(`cli.copy.${c.state}`, { location: c.location, copied: c.copied, code: c.errorCode ?? '' }, locale));
  return (r.copies ?? []).some((c) => c.state === 'failed' || c.state === 'partial') ? 1 : 0;
}

export const command: Command = {
  spec: {
    options: ['source', ...SOURCE_AUTH, 'strategy', 'full', 'type', 'allow-origin', 'scope', 'export-stuck-minutes', 'path', 'exclude', 'db', ...DB_OPTIONS, 'name', 'tag', 'allow-empty', ...COPIES],
    conflicts: [
      [INPUT_ARG, 'source'],
      [INPUT_ARG, 'path'],
      ['path', 'source'],
      [INPUT_ARG, 'db'],
      ['db', 'source'],
      ['db', 'path'],
    ],
    operands: [[1, INPUT_ARG]],
    requires: [
      ...[...SOURCE_AUTH, 'strategy', 'full', 'type', 'allow-origin', 'scope', 'export-stuck-minutes'].map((o) => [o as OptionName, ['source']] as const),
      ['exclude', ['path']],
      ['name', ['path', 'db']],
      ...DB_OPTIONS.map((o) => [o, ['db']] as const),
    ],
    cancellable: true,
  },
  async run(ctx) {
    const { out, locale, positionals, values } = ctx;
    const input = positionals[1];
    if (values.path) return backupFolders(ctx, values.path);
    if (values.db) return backupDatabase(ctx, values.db);
    if (!input && !values.source) throw usage(t('cli.missingArg', { what: '<folder|file> or --source <FHIR base URL>' }, locale));
    const run = longOperation(ctx);
    const r = await withEngine(ctx, (e) =>
      values.source
        ? e.backupFhir(
            {
              source: values.source,
              auth: sourceAuth(values),
              ...(values.strategy ? { strategy: parseStrategy(values.strategy) } : {}),
              full: values.full === true,
              ...(values['allow-origin'] ? { allowedHosts: values['allow-origin'] } : {}),
              ...(values['export-stuck-minutes'] ? { exportStuckMinutes: positiveInt(values['export-stuck-minutes'], '--export-stuck-minutes') } : {}),
              ...(values.type ? { types: values.type } : {}),
              tags: values.tag ?? [],
              allowEmpty: values['allow-empty'] === true,
            },
            run,
          )
        : e.backupNdjson(input as string, { tags: values.tag ?? [], allowEmpty: values['allow-empty'] === true, ...run }),
    );
    out.endProgress();
    out.data(r);
    const s = r.snapshot;
    out.line(
      t(
        'cli.backup.done',
        { id: s.shortId, resources: s.resources, added: s.added, changed: s.changed, deleted: s.deleted, stored: formatBytes(s.storedBytesAdded), seconds: (r.durationMs / 1000).toFixed(1) },
        locale,
      ),
    );
    if (s.attachments)
      out.line(
        t(
          'cli.backup.attachments',
          { stored: s.attachments.stored, count: s.attachments.count, bytes: formatBytes(s.attachments.bytes), external: s.attachments.external, failed: s.attachments.failed },
          locale,
        ),
      );
    for (const w of r.warnings ?? []) out.line(`  ! ${w.message}`);
    if (s.suspicious)
      out.error(
        t('cli.backup.suspicious', { drop: s.suspicious.dropPercent, before: s.suspicious.previousResources, now: s.suspicious.resources, previous: s.suspicious.previous.slice(0, 8) }, locale),
      );
    for (const c of r.copies ?? []) out.line(t(`cli.copy.${c.state}`, { location: c.location, copied: c.copied, code: c.errorCode ?? '' }, locale));
    if ((r.copies ?? []).some((c) => c.state === 'failed' || c.state === 'partial')) return 1;
    if (s.partial) {
      out.line(t('cli.backup.partial', { count: s.problemCount }, locale));
      printList(
        ctx,
        r.problems.map((p) => `  ${p.file ?? ''}:${p.line ?? ''} ${p.code} ${p.reason ?? ''}`),
        s.problemCount,
      );
      return 1;
    }
    return 0;
  },
};
