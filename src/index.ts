/**
 * The engine façade: createEngine(options) → Engine, the API every front end (CLI, serve, Electron) uses.
 * It only wires: each method is a use case of src/engine/ over one EngineContext; the audit trail and the alerts
 * subscribe to the context's event bus. Front ends parse input and render output; every decision is made below.
 */
import { stat } from 'node:fs/promises';
import type * as Sandbox from './sandbox/index.js';
import { type Engine, EngineContext, type EngineOptions } from './engine/index.js';
import * as useCases from './engine/index.js';
import { PatientDirectory } from './restorer/index.js';

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
export { TOOL_VERSION } from './archiver/index.js';
export { DEFAULT_TIME_ZONE as DEFAULT_CLINIC_TIME_ZONE } from './policy/index.js';
export { DEFAULT_RPO_MS, formatZonedTime } from './policy/index.js';
export { summarizeSnapshot } from './repository/index.js';
export type { RepairIndexResult } from './repository/index.js';
export type { RepairSnapshotsResult, SnapshotRepair } from './repository/index.js';

export function createEngine(options: EngineOptions): Engine {
  const ctx = new EngineContext(options, options.clock);
  // Subscribers of the bus, in order: alerts are evaluated after a run, then the audit trail is mirrored.
  useCases.installAlerts(ctx);
  ctx.audit.install();
  const patients = new PatientDirectory();
  return {
    location: ctx.location,
    init: (request) => useCases.init(ctx, request),
    connect: (request) => useCases.connect(ctx, request),
    backupNdjson: (input, o) => useCases.backupNdjson(ctx, input, o),
    backupFhir: (request, o) => useCases.backupFhir(ctx, request, o),
    backupNow: (o) => useCases.backupNow(ctx, o),
    backupFolders: (request, o) => useCases.backupFolders(ctx, request, o),
    listSources: () => useCases.listSources(ctx),
    addSource: (source) => useCases.addSource(ctx, source),
    removeSource: (name) => useCases.removeSource(ctx, name),
    backupSource: (name, o) => useCases.backupSource(ctx, name, o),
    backupAllSources: (o) => useCases.backupAllSources(ctx, o),
    drillSource: (request, o) => useCases.drillSource(ctx, request, o),
    backupDatabase: (request, o) => useCases.backupDatabase(ctx, request, o),
    restoreDatabase: (request, o) => useCases.restoreDatabase(ctx, request, o),
    testDatabaseDump: (request, o) => useCases.testDatabaseDump(ctx, request, o),
    listFiles: (request) => useCases.listFiles(ctx, request),
    planRestoreFiles: (request) => useCases.planRestoreFiles(ctx, request),
    restoreFiles: (request, o) => useCases.restoreFiles(ctx, request, o),
    snapshots: () => useCases.snapshots(ctx),
    snapshot: (ref) => useCases.snapshot(ctx, ref),
    stats: () => useCases.stats(ctx),
    check: (o) => useCases.check(ctx, o),
    checkAndRepair: (request, o) => useCases.checkAndRepair(ctx, request, o),
    repairIndex: (o) => useCases.repairIndex(ctx, o),
    repairSnapshots: (o) => useCases.repairSnapshots(ctx, o),
    forget: (request) => useCases.forget(ctx, request),
    prune: (request, o) => useCases.prune(ctx, request, o),
    migrate: (o) => useCases.migrate(ctx, o),
    rebuildCatalog: () => useCases.rebuildCatalog(ctx),
    restoreToFolder: (request, o) => useCases.restoreToFolder(ctx, request, o),
    planRestoreToFolder: (request, o) => useCases.planRestoreToFolder(ctx, request, o),
    planRestoreToServer: (request, o) => useCases.planRestoreToServer(ctx, request, o),
    restoreToServer: (request, o) => useCases.restoreToServer(ctx, request, o),
    ls: (request) => useCases.ls(ctx, request),
    dump: (snap, reference) => useCases.dump(ctx, snap, reference),
    findPatients: (request) => useCases.findPatients(ctx, patients, request),
    listKeys: () => useCases.listKeys(ctx),
    addKey: (kind, o) => useCases.addKey(ctx, kind, o),
    removeKey: (slotId) => useCases.removeKey(ctx, slotId),
    rotateRecoveryKey: (request) => useCases.rotateRecoveryKey(ctx, request),
    recoveryKit: (language) => useCases.recoveryKit(ctx, language),
    recoveryKitDocuments: (language, o) => useCases.recoveryKitDocuments(ctx, language, o),
    recoveryKitStatus: () => useCases.recoveryKitStatus(ctx),
    confirmRecoveryKit: (answers) => useCases.confirmRecoveryKit(ctx, answers),
    listSecrets: () => useCases.listSecrets(ctx),
    setSecret: (name, value) => useCases.setSecret(ctx, name, value),
    deleteSecret: (name) => useCases.deleteSecret(ctx, name),
    replicate: (request, o) => useCases.replicate(ctx, request, o),
    destinations: () => useCases.destinations(ctx),
    addCopy: (request, o) => useCases.addCopy(ctx, request, o),
    removeCopy: (location) => useCases.removeCopy(ctx, location),
    status: () => useCases.status(ctx),
    subscribe: (listener) => ctx.bus.subscribe(listener),
    tasks: () => ctx.tasks.list(),
    cancelTask: (id) => ({ cancelled: ctx.tasks.cancel(id) }),
    probeSource: (request) => useCases.probeSource(ctx, request),
    detectDestinations: () => useCases.detectDestinations(ctx),
    offsiteProviders: () => useCases.offsiteProviders(),
    browseFolders: (request) => useCases.browseFolders(ctx, request),
    keychainStatus: () => useCases.keychainStatus(ctx),
    getSettings: () => useCases.getSettings(ctx),
    updateSettings: (patch) => useCases.updateSettings(ctx, patch),
    auditLog: async (limit = 200) =>
      (await ctx.catalog())
        .listAudit({ limit: 100_000 })
        .slice(-limit)
        .reverse()
        .map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details })),
    drill: (request, o) => useCases.drill(ctx, request, o),
    listDrills: () => useCases.listDrills(ctx),
    configurationReport: (kind, o) => useCases.configurationReport(ctx, kind, o),
    getPeople: () => useCases.getPeople(ctx),
    updatePeople: (patch) => useCases.updatePeople(ctx, patch),
    listIncidents: () => useCases.listIncidents(ctx),
    recordIncident: (input) => useCases.recordIncident(ctx, input),
    updateIncident: (id, input) => useCases.updateIncident(ctx, id, input),
    drillReport: (id, o) => useCases.drillReport(ctx, id, o),
    schedules: () => useCases.schedules(ctx),
    runScheduler: (o) => useCases.runScheduler(ctx, o),
    checkAlerts: () => useCases.checkAlerts(ctx),
    sendTestAlert: (channel) => useCases.sendTestAlert(ctx, channel),
    alertChannelHealth: () => useCases.alertChannelHealth(ctx),
    doctor: () => useCases.doctor(ctx),
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

export { compareNdjsonFolders, type NdjsonComparison } from './restorer/index.js';
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
