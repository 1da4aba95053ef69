/**
 * The engine façade: createEngine(options) → Engine, the API every front end (CLI, serve, Electron) uses.
 * It only wires: each method is a use case of src/engine/ over one EngineContext; the audit trail and the alerts
 * subscribe to the context's event bus. Front ends parse input and render output; every decision is made below.
 */
import { stat } from 'node:fs/promises';
import type * as Sandbox from './sandbox/index.js';
import {
  addCopy,
  addKey,
  addSource,
  backupAllSources,
  backupDatabase,
  backupFhir,
  backupFolders,
  backupNdjson,
  backupNow,
  backupSource,
  browseFolders,
  check,
  checkAlerts,
  checkAndRepair,
  configurationReport,
  confirmRecoveryKit,
  connect,
  deleteSecret,
  destinations,
  detectDestinations,
  offsiteProviders,
  doctor,
  drill,
  drillReport,
  drillSource,
  dump,
  type Engine,
  EngineContext,
  type EngineOptions,
  findPatients,
  forget,
  getPeople,
  getSettings,
  init,
  installAlerts,
  keychainStatus,
  listDrills,
  listFiles,
  listIncidents,
  listKeys,
  listSecrets,
  listSources,
  ls,
  migrate,
  planRestoreFiles,
  planRestoreToFolder,
  planRestoreToServer,
  probeSource,
  prune,
  rebuildCatalog,
  recordIncident,
  recoveryKit,
  recoveryKitDocuments,
  recoveryKitStatus,
  removeCopy,
  removeKey,
  removeSource,
  repairIndex,
  repairSnapshots,
  replicate,
  restoreDatabase,
  restoreFiles,
  restoreToFolder,
  restoreToServer,
  rotateRecoveryKey,
  runScheduler,
  schedules,
  sendTestAlert,
  alertChannelHealth,
  setSecret,
  snapshot,
  snapshots,
  stats,
  status,
  testDatabaseDump,
  updateIncident,
  updatePeople,
  updateSettings,
} from './engine/index.js';
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
  installAlerts(ctx);
  ctx.audit.install();
  const patients = new PatientDirectory();
  return {
    location: ctx.location,
    init: (request) => init(ctx, request),
    connect: (request) => connect(ctx, request),
    backupNdjson: (input, o) => backupNdjson(ctx, input, o),
    backupFhir: (request, o) => backupFhir(ctx, request, o),
    backupNow: (o) => backupNow(ctx, o),
    backupFolders: (request, o) => backupFolders(ctx, request, o),
    listSources: () => listSources(ctx),
    addSource: (source) => addSource(ctx, source),
    removeSource: (name) => removeSource(ctx, name),
    backupSource: (name, o) => backupSource(ctx, name, o),
    backupAllSources: (o) => backupAllSources(ctx, o),
    drillSource: (request, o) => drillSource(ctx, request, o),
    backupDatabase: (request, o) => backupDatabase(ctx, request, o),
    restoreDatabase: (request, o) => restoreDatabase(ctx, request, o),
    testDatabaseDump: (request, o) => testDatabaseDump(ctx, request, o),
    listFiles: (request) => listFiles(ctx, request),
    planRestoreFiles: (request) => planRestoreFiles(ctx, request),
    restoreFiles: (request, o) => restoreFiles(ctx, request, o),
    snapshots: () => snapshots(ctx),
    snapshot: (ref) => snapshot(ctx, ref),
    stats: () => stats(ctx),
    check: (o) => check(ctx, o),
    checkAndRepair: (request, o) => checkAndRepair(ctx, request, o),
    repairIndex: (o) => repairIndex(ctx, o),
    repairSnapshots: (o) => repairSnapshots(ctx, o),
    forget: (request) => forget(ctx, request),
    prune: (request, o) => prune(ctx, request, o),
    migrate: (o) => migrate(ctx, o),
    rebuildCatalog: () => rebuildCatalog(ctx),
    restoreToFolder: (request, o) => restoreToFolder(ctx, request, o),
    planRestoreToFolder: (request, o) => planRestoreToFolder(ctx, request, o),
    planRestoreToServer: (request, o) => planRestoreToServer(ctx, request, o),
    restoreToServer: (request, o) => restoreToServer(ctx, request, o),
    ls: (request) => ls(ctx, request),
    dump: (snap, reference) => dump(ctx, snap, reference),
    findPatients: (request) => findPatients(ctx, patients, request),
    listKeys: () => listKeys(ctx),
    addKey: (kind, o) => addKey(ctx, kind, o),
    removeKey: (slotId) => removeKey(ctx, slotId),
    rotateRecoveryKey: (request) => rotateRecoveryKey(ctx, request),
    recoveryKit: (language) => recoveryKit(ctx, language),
    recoveryKitDocuments: (language, o) => recoveryKitDocuments(ctx, language, o),
    recoveryKitStatus: () => recoveryKitStatus(ctx),
    confirmRecoveryKit: (answers) => confirmRecoveryKit(ctx, answers),
    listSecrets: () => listSecrets(ctx),
    setSecret: (name, value) => setSecret(ctx, name, value),
    deleteSecret: (name) => deleteSecret(ctx, name),
    replicate: (request, o) => replicate(ctx, request, o),
    destinations: () => destinations(ctx),
    addCopy: (request, o) => addCopy(ctx, request, o),
    removeCopy: (location) => removeCopy(ctx, location),
    status: () => status(ctx),
    subscribe: (listener) => ctx.bus.subscribe(listener),
    tasks: () => ctx.tasks.list(),
    cancelTask: (id) => ({ cancelled: ctx.tasks.cancel(id) }),
    probeSource: (request) => probeSource(ctx, request),
    detectDestinations: () => detectDestinations(ctx),
    offsiteProviders: () => offsiteProviders(),
    browseFolders: (request) => browseFolders(ctx, request),
    keychainStatus: () => keychainStatus(ctx),
    getSettings: () => getSettings(ctx),
    updateSettings: (patch) => updateSettings(ctx, patch),
    auditLog: async (limit = 200) =>
      (await ctx.catalog())
        .listAudit({ limit: 100_000 })
        .slice(-limit)
        .reverse()
        .map((e) => ({ seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details })),
    drill: (request, o) => drill(ctx, request, o),
    listDrills: () => listDrills(ctx),
    configurationReport: (kind, o) => configurationReport(ctx, kind, o),
    getPeople: () => getPeople(ctx),
    updatePeople: (patch) => updatePeople(ctx, patch),
    listIncidents: () => listIncidents(ctx),
    recordIncident: (input) => recordIncident(ctx, input),
    updateIncident: (id, input) => updateIncident(ctx, id, input),
    drillReport: (id, o) => drillReport(ctx, id, o),
    schedules: () => schedules(ctx),
    runScheduler: (o) => runScheduler(ctx, o),
    checkAlerts: () => checkAlerts(ctx),
    sendTestAlert: (channel) => sendTestAlert(ctx, channel),
    alertChannelHealth: () => alertChannelHealth(ctx),
    doctor: () => doctor(ctx),
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
