/**
 * Opening the catalog's SQLite file: owner-only files, WAL with synchronous=FULL, a quick integrity check and
 * the migrations; a file that is not a database or is malformed is recognised (and can be moved aside).
 */
import { chmodSync, existsSync, renameSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Clock } from '../scheduler/index.js';
import { migrate, type Migration } from './migrations.js';

export type CorruptReason = 'not-a-database' | 'malformed' | 'integrity-check';

export class CorruptionFound extends Error {
  constructor(
    readonly reason: CorruptReason,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function classify(err: unknown): CorruptionFound | null {
  if (err instanceof CorruptionFound) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB') return new CorruptionFound('not-a-database', message);
  if (code.startsWith('SQLITE_CORRUPT')) return new CorruptionFound('malformed', message);
  return null;
}

/** The catalog holds patient ids: its files (and WAL journal) are the owner's only, tightened when found looser. */
function makePrivate(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    const st = statSync(f, { throwIfNoEntry: false });
    if (st && (st.mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

export function openDatabase(file: string, migrations: readonly Migration[], clock: Clock): Database.Database {
  const db = new Database(file, { timeout: 5000 });
  try {
    makePrivate(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new CorruptionFound('integrity-check', String(check));
    migrate(db, migrations, () => clock.now());
    makePrivate(file);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

export function moveAside(file: string, clock: Clock): string {
  const stamp = clock.now().toISOString().replace(/[:.]/g, '-');
  let aside = `${file}.corrupt-${stamp}`;
  for (let i = 1; existsSync(aside) && i < 1000; i++) aside = `${file}.corrupt-${stamp}-${i}`;
  renameSync(file, aside);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  }
  return aside;
}

/** Opens the catalog database; a damaged one is moved aside and a fresh one made (the engine refills it). */
export function openOrRebuild(file: string, migrations: readonly Migration[], clock: Clock): { db: Database.Database; damage: CorruptionFound | null; movedTo?: string } {
  try {
    return { db: openDatabase(file, migrations, clock), damage: null };
  } catch (err) {
    const damage = classify(err);
    if (!damage) throw err;
    const movedTo = moveAside(file, clock);
    return { db: openDatabase(file, migrations, clock), damage, movedTo };
  }
}
