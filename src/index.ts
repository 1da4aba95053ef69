/**
 * The engine façade: createEngine(options) → Engine, the API every front end (CLI, serve, Electron) uses.
 * It only wires: each method is a use case of src/engine/ over one EngineContext; the audit trail and the alerts
 * subscribe to the context's event bus. Front ends parse input and render output; every decision is made below.
 * A use case's code loads on its first call (useCase.<file>()): a process compiles only what its commands run.
 */
import { stat } from 'node:fs/promises';
import { OFFSITE_PROVIDERS } from './backend/index.js';
import { type Engine, EngineContext, type EngineOptions, installAlerts, useCase } from './engine/index.js';
import type * as Restorer from './restorer/index.js';
import type * as Sandbox from './sandbox/index.js';

export type { Engine, EngineOptions, FhirBackupRequest, SourceAuthRequest } from './engine/index.js';
export type { SourceListItem, SourceRunOutcome } from './engine/index.js';
export type {
  ServerRestoreRequest,
  RecoveryKitWords,
  FolderBackupRequest,
  FolderBackupResult,
  FileListResult,
  FilesRestoreRequest,
  FilesRestorePlanResult,
  FilesRestoreResultSummary,
  DatabaseBackupRequest,
  DatabaseBackupResult,
  DatabaseRestoreRequest,
  DatabaseRestoreResult,
  DatabaseSourceSetting,
} from './shared/index.js';
export { toErrorInfo, t, hasMessage, resolveLocale, errorText, type Locale } from './i18n/index.js';
export { TOOL_VERSION } from './shared/index.js';
export { DEFAULT_TIME_ZONE as DEFAULT_CLINIC_TIME_ZONE } from './policy/index.js';
export { DEFAULT_RPO_MS, formatZonedTime } from './policy/index.js';
export { summarizeSnapshot } from './repository/index.js';
export type { RepairIndexResult } from './repository/index.js';
export type { RepairSnapshotsResult, SnapshotRepair } from './repository/index.js';

export function createEngine(options: EngineOptions): Engine {
  const ctx = new EngineContext(options, options.clock);
  // Subscribers of the bus, in order: alerts are evaluated after a run, then the audit trail is mirrored.
  installAlerts(ctx);
  ctx.audit.install();
  // Patients found by name are remembered for this engine's life (the restorer loads with the first search).
  let patients: Restorer.PatientDirectory | undefined;
  const patientDirectory = async (): Promise<Restorer.PatientDirectory> => new (await restorerModule()).PatientDirectory();
  return {
    location: ctx.location,
    init: async (request) => (await useCase.keys()).init(ctx, request),
    connect: async (request) => (await useCase.keys()).connect(ctx, request),
    backupNdjson: async (input, o) => (await useCase.backup()).backupNdjson(ctx, input, o),
    backupFhir: async (request, o) => (await useCase.backup()).backupFhir(ctx, request, o),
    backupNow: async (o) => (await useCase.backup()).backupNow(ctx, o),
    backupFolders: async (request, o) => (await useCase.files()).backupFolders(ctx, request, o),
    listSources: async () => (await useCase.sources()).listSources(ctx),
    addSource: async (source) => (await useCase.sources()).addSource(ctx, source),
    removeSource: async (name) => (await useCase.sources()).removeSource(ctx, name),
    backupSource: async (name, o) => (await useCase.sources()).backupSource(ctx, name, o),
    backupAllSources: async (o) => (await useCase.sources()).backupAllSources(ctx, o),
    drillSource: async (request, o) => (await useCase.drills()).drillSource(ctx, request, o),
    backupDatabase: async (request, o) => (await useCase.databases()).backupDatabase(ctx, request, o),
    restoreDatabase: async (request, o) => (await useCase.databases()).restoreDatabase(ctx, request, o),
    testDatabaseDump: async (request, o) => (await useCase.databaseTest()).testDatabaseDump(ctx, request, o),
    listFiles: async (request) => (await useCase.files()).listFiles(ctx, request),
    planRestoreFiles: async (request) => (await useCase.files()).planRestoreFiles(ctx, request),
    restoreFiles: async (request, o) => (await useCase.files()).restoreFiles(ctx, request, o),
    snapshots: async () => (await useCase.snapshots()).snapshots(ctx),
    snapshot: async (ref) => (await useCase.snapshots()).snapshot(ctx, ref),
    stats: async () => (await useCase.snapshots()).stats(ctx),
    check: async (o) => (await useCase.maintenance()).check(ctx, o),
    checkAndRepair: async (request, o) => (await useCase.maintenance()).checkAndRepair(ctx, request, o),
    repairIndex: async (o) => (await useCase.maintenance()).repairIndex(ctx, o),
    repairSnapshots: async (o) => (await useCase.maintenance()).repairSnapshots(ctx, o),
    forget: async (request) => (await useCase.maintenance()).forget(ctx, request),
    prune: async (request, o) => (await useCase.maintenance()).prune(ctx, request, o),
    migrate: async (o) => (await useCase.maintenance()).migrate(ctx, o),
    rebuildCatalog: async () => (await useCase.maintenance()).rebuildCatalog(ctx),
    restoreToFolder: async (request, o) => (await useCase.restoreFolder()).restoreToFolder(ctx, request, o),
    planRestoreToFolder: async (request, o) => (await useCase.restoreFolder()).planRestoreToFolder(ctx, request, o),
    planRestoreToServer: async (request, o) => (await useCase.restore()).planRestoreToServer(ctx, request, o),
    restoreToServer: async (request, o) => (await useCase.restore()).restoreToServer(ctx, request, o),
    ls: async (request) => (await useCase.restore()).ls(ctx, request),
    dump: async (snap, reference) => (await useCase.restore()).dump(ctx, snap, reference),
    findPatients: async (request) => (await useCase.restore()).findPatients(ctx, (patients ??= await patientDirectory()), request),
    listKeys: async () => (await useCase.keys()).listKeys(ctx),
    addKey: async (kind, o) => (await useCase.keys()).addKey(ctx, kind, o),
    removeKey: async (slotId) => (await useCase.keys()).removeKey(ctx, slotId),
    rotateRecoveryKey: async (request) => (await useCase.keys()).rotateRecoveryKey(ctx, request),
    recoveryKit: async (language) => (await useCase.keys()).recoveryKit(ctx, language),
    recoveryKitDocuments: async (language, o) => (await useCase.reports()).recoveryKitDocuments(ctx, language, o),
    recoveryKitStatus: async () => (await useCase.keys()).recoveryKitStatus(ctx),
    confirmRecoveryKit: async (answers) => (await useCase.keys()).confirmRecoveryKit(ctx, answers),
    listSecrets: async () => (await useCase.secrets()).listSecrets(ctx),
    setSecret: async (name, value) => (await useCase.secrets()).setSecret(ctx, name, value),
    deleteSecret: async (name) => (await useCase.secrets()).deleteSecret(ctx, name),
    replicate: async (request, o) => (await useCase.copies()).replicate(ctx, request, o),
    destinations: async () => (await useCase.copies()).destinations(ctx),
    addCopy: async (request, o) => (await useCase.copies()).addCopy(ctx, request, o),
    removeCopy: async (location) => (await useCase.copies()).removeCopy(ctx, location),
    status: async () => (await useCase.status()).status(ctx),
    subscribe: (listener) => ctx.bus.subscribe(listener),
    tasks: () => ctx.tasks.list(),
    cancelTask: (id) => ({ cancelled: ctx.tasks.cancel(id) }),
    probeSource: async (request) => (await useCase.setup()).probeSource(ctx, request),
    detectDestinations: async () => (await useCase.setup()).detectDestinations(ctx),
    offsiteProviders: () => [...OFFSITE_PROVIDERS],
    browseFolders: async (request) => (await useCase.setup()).browseFolders(ctx, request),
    keychainStatus: async () => (await useCase.secrets()).keychainStatus(ctx),
    getSettings: async () => (await useCase.settings()).getSettings(ctx),
    updateSettings: async (patch) => (await useCase.settings()).updateSettings(ctx, patch),
    auditLog: async (limit = 200) =>
      (await ctx.catalog())
        .listAudit({ limit: 100_000 })
        .slice(-limit)
        .reverse()
        .map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details })),
    drill: async (request, o) => (await useCase.drills()).drill(ctx, request, o),
    listDrills: async () => (await useCase.drills()).listDrills(ctx),
    configurationReport: async (kind, o) => (await useCase.reports()).configurationReport(ctx, kind, o),
    getPeople: async () => (await useCase.people()).getPeople(ctx),
    updatePeople: async (patch) => (await useCase.people()).updatePeople(ctx, patch),
    listIncidents: async () => (await useCase.people()).listIncidents(ctx),
    recordIncident: async (input) => (await useCase.people()).recordIncident(ctx, input),
    updateIncident: async (id, input) => (await useCase.people()).updateIncident(ctx, id, input),
    drillReport: async (id, o) => (await useCase.reports()).drillReport(ctx, id, o),
    schedules: async () => (await useCase.scheduler()).schedules(ctx),
    runScheduler: async (o) => (await useCase.scheduler()).runScheduler(ctx, o),
    checkAlerts: async () => (await useCase.alerts()).checkAlerts(ctx),
    sendTestAlert: async (channel) => (await useCase.alerts()).sendTestAlert(ctx, channel),
    alertChannelHealth: async () => (await useCase.alerts()).alertChannelHealth(ctx),
    doctor: async () => (await useCase.setup()).doctor(ctx),
    close: () => ctx.close(),
  };
}

/** True when a path exists (used by front ends to word messages; no decisions). */
export async function pathExists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    // Missing or unreadable: either way the front end words its message as "not there".
    return false;
  }
}

/** The restorer (restore plans and executors) loads with the first use case that restores or compares. */
const restorerModule = (): Promise<typeof Restorer> => import('./restorer/index.js');
export const compareNdjsonFolders: typeof Restorer.compareNdjsonFolders = async (...args) => (await restorerModule()).compareNdjsonFolders(...args);
export type { NdjsonComparison } from './restorer/index.js';
/**
 * The sandbox (a FHIR server and a data generator, for the demo, drills and tests) loads only when one of these is
 * called: a command that only reads the repository (`snapshots`, `status`) never compiles it.
 */
const sandboxModule = (): Promise<typeof Sandbox> => import('./sandbox/index.js');
export const createSampleDataset: typeof Sandbox.writeNdjsonDataset = async (...args) => (await sandboxModule()).writeNdjsonDataset(...args);
export const mutateSampleDataset: typeof Sandbox.mutateNdjsonDataset = async (...args) => (await sandboxModule()).mutateNdjsonDataset(...args);
export const startSandbox: typeof Sandbox.startSandbox = async (...args) => (await sandboxModule()).startSandbox(...args);
export const runSandboxCommand: typeof Sandbox.runSandboxCommand = async (...args) => (await sandboxModule()).runSandboxCommand(...args);
export type { SandboxServer, SandboxOptions } from './sandbox/index.js';
export type { StrategyName } from './source/index.js';
export { defaultStateDir } from './engine/index.js';
export { clinicPassphrasePaths, saveClinicPassphrase, MIN_CLINIC_PASSPHRASE } from './engine/index.js';
