/**
 * The public surface of src/engine: the only file other modules import (ARCHITECTURE.md §3).
 * What every engine needs at once is exported statically: the context, the alert triggers (bus subscribers that load
 * the alert rules only when a run ends) and the light helpers of the front ends. The use cases themselves load on
 * first use (`useCase.<file>()`, one dynamic import per file): a command compiles only the code it runs, so listing
 * snapshots does not compile the archiver, the reports, the drills or the doctor.
 */
export { installAlerts } from './alertTriggers.js';
export { EngineContext, defaultStateDir } from './context.js';
export type { Engine, EngineOptions, FhirBackupRequest, SourceAuthRequest } from './engine.js';
export { MIN_CLINIC_PASSPHRASE, clinicPassphrasePaths, saveClinicPassphrase } from './secrets.js';
export type { SourceListItem, SourceRunOutcome } from './sources.js';

/** Each use case file, compiled and loaded the first time one of its use cases is called (then cached by Node). */
export const useCase = {
  alerts: () => import('./alerts.js'),
  backup: () => import('./backup.js'),
  copies: () => import('./copies.js'),
  databases: () => import('./databases.js'),
  databaseTest: () => import('./databaseTest.js'),
  drills: () => import('./drills.js'),
  files: () => import('./files.js'),
  keys: () => import('./keys.js'),
  maintenance: () => import('./maintenance.js'),
  people: () => import('./people.js'),
  reports: () => import('./reports.js'),
  restore: () => import('./restore.js'),
  restoreFolder: () => import('./restoreFolder.js'),
  scheduler: () => import('./scheduler.js'),
  secrets: () => import('./secrets.js'),
  settings: () => import('./settings.js'),
  setup: () => import('./setup.js'),
  snapshots: () => import('./snapshots.js'),
  sources: () => import('./sources.js'),
  status: () => import('./status.js'),
} as const;
