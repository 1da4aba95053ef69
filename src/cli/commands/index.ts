/**
 * Every command of clinic-backup, in the order `clinic-backup --help` lists them, each in its own file and loaded
 * only when it runs (or shows its help): starting the CLI never loads the other commands or the engine.
 */
import type { Command } from '../context.js';

const LOADERS = {
  init: () => import('./init.js'),
  backup: () => import('./backup.js'),
  sources: () => import('./sources.js'),
  snapshots: () => import('./snapshots.js'),
  check: () => import('./check.js'),
  restore: () => import('./restore.js'),
  repair: () => import('./repair.js'),
  ls: () => import('./ls.js'),
  dump: () => import('./dump.js'),
  cat: () => import('./cat.js'),
  stats: () => import('./stats.js'),
  key: () => import('./key.js'),
  'recovery-kit': () => import('./recoveryKit.js'),
  connect: () => import('./connect.js'),
  secrets: () => import('./secrets.js'),
  replicate: () => import('./replicate.js'),
  destinations: () => import('./destinations.js'),
  forget: () => import('./forget.js'),
  prune: () => import('./prune.js'),
  migrate: () => import('./migrate.js'),
  schedule: () => import('./schedule.js'),
  'run-scheduler': () => import('./runScheduler.js'),
  drill: () => import('./drill.js'),
  report: () => import('./report.js'),
  doctor: () => import('./doctor.js'),
  alerts: () => import('./alerts.js'),
  settings: () => import('./settings.js'),
  status: () => import('./status.js'),
  catalog: () => import('./catalog.js'),
  sandbox: () => import('./sandbox.js'),
  demo: () => import('./demo.js'),
} satisfies Record<string, () => Promise<{ command: Command }>>;

/**
 * `serve` is the other front end (src/serve/cli.ts, the local web mode): bin/clinic-backup.js hands it its command
 * line before this CLI starts, so it has no file here, but it is a command like the others for the user.
 */
export const SERVE = 'serve';

/** Every command name, `serve` included, in the order of `clinic-backup --help`. */
export const COMMAND_NAMES: readonly string[] = [...Object.keys(LOADERS), SERVE];

/** The command's spec and code; null when there is no such command here. */
export async function loadCommand(name: string): Promise<Command | null> {
  if (!Object.prototype.hasOwnProperty.call(LOADERS, name)) return null;
  return (await LOADERS[name as keyof typeof LOADERS]()).command;
}
