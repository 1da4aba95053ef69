/**
 * What every command gets (its parsed command line, the output helper, the language, the Ctrl+C signal) and the
 * helpers they share. The engine façade is imported here on first use, never at start-up: `--help`, a usage error
 * or a typo answer without loading the engine and its dependencies.
 */
import { t, type Locale } from '../i18n/index.js';
import type * as FacadeModule from '../index.js';
import type { Engine } from '../index.js';
import { EngineError, type ProgressEvent } from '../shared/index.js';
import type { Values } from './options.js';
import { formatBytes, type Output } from './output.js';
import type { CommandSpec } from './spec.js';

export type Facade = typeof FacadeModule;

export interface Ctx {
  readonly values: Values;
  readonly positionals: string[];
  readonly out: Output;
  readonly locale: Locale;
  readonly env: NodeJS.ProcessEnv;
  /** The clinic's time zone (from settings, read when the engine opens); every time printed is in it. */
  readonly zone: { value: string | null };
  /** Fires on Ctrl+C for a cancellable command (spec.cancellable); never fires for the others. */
  readonly signal: AbortSignal;
}

/** A command: its spec (options, conflicts, requirements) and what it does. One file per command in commands/. */
export interface Command {
  readonly spec: CommandSpec;
  run(ctx: Ctx): Promise<number>;
  /** After Ctrl+C cancelled it: what the user should know about the target of the operation (null: nothing more). */
  cancelNote?(ctx: Ctx): string | null;
}

let loaded: Facade | null = null;

/** The engine façade, imported once, when a command first needs it. */
export async function facade(): Promise<Facade> {
  loaded ??= await import('../index.js');
  return loaded;
}

function loadedFacade(): Facade {
  if (!loaded) throw new Error('the engine façade is used before it was loaded');
  return loaded;
}

/** "2026-05-01 14:03" in the clinic's zone (tables name the zone in their header). */
export function clinicTimeShort(ctx: Ctx, iso: string | null | undefined): string {
  return iso ? loadedFacade().formatZonedTime(iso, clinicZone(ctx)) : '—';
}

/** "2026-05-01 14:03 (America/Sao_Paulo)": a time with the zone shown. */
export function clinicTime(ctx: Ctx, iso: string | null | undefined): string {
  return iso ? `${loadedFacade().formatZonedTime(iso, clinicZone(ctx))} (${clinicZone(ctx)})` : '—';
}

/** The clinic's time zone: from the settings once the repository was opened, else the product's default. */
export function clinicZone(ctx: Ctx): string {
  return ctx.zone.value ?? loadedFacade().DEFAULT_CLINIC_TIME_ZONE;
}

export function usage(reason: string): EngineError {
  return new EngineError('USAGE', { reason });
}

export function positiveInt(value: string, option: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 1) throw usage(`${option} needs a whole number ≥ 1`);
  return n;
}

async function engineFor(ctx: Ctx): Promise<Engine> {
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
  const { createEngine } = await facade();
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

/** Opens the engine on the command line's repository, runs `fn`, and closes it (also when `fn` fails). */
export async function withEngine<T>(ctx: Ctx, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await engineFor(ctx);
  try {
    const value = await fn(engine);
    // Times are printed in the clinic's zone; the settings are read once the repository is open.
    ctx.zone.value = (await engine.getSettings().catch(() => null))?.timeZone ?? ctx.zone.value;
    return value;
  } finally {
    await engine.close();
  }
}

/** A progress line that says what it counts: the phase's own text when there is one, else the operation's. */
export function progressText(e: ProgressEvent, locale: Locale): string {
  const p = { done: e.done, total: e.total ?? '?', bytes: formatBytes(e.bytes ?? 0), phase: e.phase, subject: e.subject ?? '' };
  const key = `cli.progress.${e.op}.${e.phase}`;
  const specific = t(key, p, locale);
  return specific === key ? t(`cli.progress.${e.op}`, p, locale) : specific;
}

/** The options of a long operation: progress on standard error, and Ctrl+C as its cancel. */
export function longOperation(ctx: Ctx): { onProgress: (ev: ProgressEvent) => void; signal: AbortSignal } {
  return { onProgress: (ev) => ctx.out.progress(ev, progressText(ev, ctx.locale)), signal: ctx.signal };
}

/** How many items of a long list a human line shows; the rest is counted ("… and 12 more"), never cut silently. */
const LIST_MAX = 50;

/** Prints the first `max` items (one line each), then how many more there are. */
export function printList(ctx: Ctx, items: readonly string[], total: number = items.length, max = LIST_MAX): void {
  for (const item of items.slice(0, max)) ctx.out.line(item);
  const more = total - Math.min(items.length, max);
  if (more > 0) ctx.out.line(t('cli.andMore', { count: more }, ctx.locale));
}

/** Types asked for that the snapshot does not hold (when it holds some of the others). */
export function printMissingTypes(ctx: Ctx, missing: readonly string[]): void {
  if (missing.length > 0) ctx.out.error(t('cli.missingTypes', { types: missing }, ctx.locale));
}

/** Parts of a damaged snapshot's listing that could not be read. */
export function printListingLost(ctx: Ctx, lost: readonly { type: string | null; resources: number | null }[]): void {
  for (const l of lost) {
    ctx.out.line(l.type === null ? t('cli.restore.listingLostUnknown', {}, ctx.locale) : t('cli.restore.listingLost', { type: l.type, count: l.resources ?? '?' }, ctx.locale));
  }
}

/** One-patient scope: the resources that also concern other patients, and whether they are written. */
export function printShared(ctx: Ctx, shared: readonly { resource: string; patients: readonly string[] }[], included: boolean): void {
  if (shared.length === 0) return;
  ctx.out.line(t(included ? 'cli.plan.sharedIncluded' : 'cli.plan.shared', { count: shared.length }, ctx.locale));
  printList(
    ctx,
    shared.map(
      (x) =>
        `  ${included ? '+' : '–'} ${x.resource}  (${t(
          'cli.plan.otherPatients',
          {
            count: x.patients.length,
            patients:
              x.patients
                .slice(0, 3)
                .map((p) => `Patient/${p}`)
                .join(', ') + (x.patients.length > 3 ? ', …' : ''),
          },
          ctx.locale,
        )})`,
    ),
  );
}

/** Reads a one-line secret (passphrase, key, recovery words) from a file named on the command line. */
export async function readSecretFile(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8').catch(() => {
    throw new EngineError('PASSWORD_FILE_UNREADABLE', { path: file });
  });
  return text.replace(/[\r\n]+$/, '');
}

export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes report or kit files (they name patients' data locations or hold the key: owner-only files). */
export async function writePrivateFiles(files: readonly (readonly [string | undefined, string | Buffer])[]): Promise<void> {
  const { writeFile, chmod } = await import('node:fs/promises');
  for (const [file, body] of files) {
    if (!file) continue;
    await writeFile(file, body, { mode: 0o600 });
    await chmod(file, 0o600);
  }
}
