/**
 * Use cases: the sources of the settings (the FHIR server, folder sources, database sources): list, add, remove,
 * back up one by name, and back up every source (what the scheduled backup runs). One source failing never keeps
 * the others from running; the run of each is recorded with its source's name, and the whole fails naming them.
 */
import { databaseLocation } from '../archiver/index.js';
import { type BackupResult, type DatabaseSourceSetting, EngineError, type ExtraSourceSetting, isEngineError, type LongOperationOptions } from '../shared/index.js';
import { backupNow } from './backup.js';
import type { EngineContext } from './context.js';
import { backupDatabase } from './databases.js';
import { backupFolders } from './files.js';
import { getSettings, updateSettings } from './settings.js';

export interface SourceListItem {
  readonly kind: 'fhir' | 'folders' | 'database';
  readonly name: string;
  /** For people: the URL, the folders, or the database (never credentials). */
  readonly description: string;
}

export interface SourceRunOutcome {
  readonly name: string;
  readonly kind: 'fhir' | 'folders' | 'database';
  readonly ok: boolean;
  readonly snapshotId: string | null;
  readonly errorCode: string | null;
}

/** The FHIR server's name in the sources list. */
export const FHIR_SOURCE_NAME = 'FHIR';

function describe(s: ExtraSourceSetting): string {
  if (s.kind === 'folders') return s.paths.join(', ');
  return databaseLocation(s.database.kind === 'sqlite' ? { kind: 'sqlite', path: s.database.path } : (s.database as Exclude<DatabaseSourceSetting, { kind: 'sqlite' }>));
}

export async function listSources(ctx: EngineContext): Promise<SourceListItem[]> {
  const settings = await getSettings(ctx);
  return [
    ...(settings.source ? [{ kind: 'fhir' as const, name: FHIR_SOURCE_NAME, description: settings.source.url }] : []),
    ...(settings.sources ?? []).map((s) => ({ kind: s.kind, name: s.name, description: describe(s) })),
  ];
}

/** Adds a folder or database source (validated with the other settings; nothing saved on a mistake). */
export async function addSource(ctx: EngineContext, source: ExtraSourceSetting): Promise<SourceListItem[]> {
  const current = (await getSettings(ctx)).sources ?? [];
  if (source.name === FHIR_SOURCE_NAME) throw new EngineError('INVALID_SETTINGS', { reason: `sources[${current.length}].name (reserved for the FHIR server)` });
  await updateSettings(ctx, { sources: [...current, source] });
  return listSources(ctx);
}

/** Removes a source by name; its snapshots stay in the repository (retention decides about them). */
export async function removeSource(ctx: EngineContext, name: string): Promise<SourceListItem[]> {
  const current = (await getSettings(ctx)).sources ?? [];
  const kept = current.filter((s) => s.name !== name);
  if (kept.length === current.length) throw new EngineError('NOT_FOUND', { what: `source ${name}` });
  await updateSettings(ctx, { sources: kept });
  return listSources(ctx);
}

/** Backs up one configured folder or database source by name. */
export async function backupSource(ctx: EngineContext, name: string, options: LongOperationOptions = {}): Promise<BackupResult> {
  const source = ((await getSettings(ctx)).sources ?? []).find((s) => s.name === name);
  if (!source) throw new EngineError('NOT_FOUND', { what: `source ${name}` });
  if (source.kind === 'folders')
    return backupFolders(ctx, { name: source.name, paths: source.paths, ...(source.exclude ? { exclude: source.exclude } : {}), ...(source.allowEmpty ? { allowEmpty: true } : {}) }, options);
  return backupDatabase(ctx, { name: source.name, source: source.database }, options);
}

/** The connection of a configured database source by its name (drills restore into a throw-away database there). */
export async function sourceConnection(ctx: EngineContext, name: string): Promise<DatabaseSourceSetting | undefined> {
  const s = ((await getSettings(ctx)).sources ?? []).find((x) => x.name === name);
  return s?.kind === 'database' ? s.database : undefined;
}

/**
 * Backs up every source: the FHIR server (when configured), then each folder and database source. A failure is
 * kept and the next source runs; a cancel stops everything. Throws BACKUP_SOURCES_FAILED naming the failed ones.
 */
export async function backupAllSources(ctx: EngineContext, options: LongOperationOptions = {}): Promise<SourceRunOutcome[]> {
  const settings = await getSettings(ctx);
  const extra = settings.sources ?? [];
  if (!settings.source && extra.length === 0) throw new EngineError('INVALID_SETTINGS', { reason: 'source (nothing to back up is configured yet)' });
  const outcomes: SourceRunOutcome[] = [];
  const errors: unknown[] = [];
  const runOne = async (name: string, kind: SourceRunOutcome['kind'], fn: () => Promise<BackupResult>): Promise<void> => {
    try {
      const r = await fn();
      outcomes.push({ name, kind, ok: true, snapshotId: r.snapshot.id, errorCode: null });
    } catch (err) {
      if (isEngineError(err, 'CANCELLED') || options.signal?.aborted) throw err;
      errors.push(err);
      outcomes.push({ name, kind, ok: false, snapshotId: null, errorCode: isEngineError(err) ? err.code : 'INTERNAL' });
    }
  };
  if (settings.source) await runOne(FHIR_SOURCE_NAME, 'fhir', () => backupNow(ctx, options));
  for (const s of extra) await runOne(s.name, s.kind, () => backupSource(ctx, s.name, options));
  const failed = outcomes.filter((o) => !o.ok);
  // One source only: its own error says best what went wrong.
  if (failed.length > 0 && outcomes.length === 1) throw errors[0];
  if (failed.length > 0) throw new EngineError('BACKUP_SOURCES_FAILED', { sources: failed.map((f) => `${f.name} (${f.errorCode ?? ''})`).join(', '), failed: failed.length, total: outcomes.length });
  return outcomes;
}
