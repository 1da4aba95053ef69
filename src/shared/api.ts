/**
 * The one API contract of the user interface. One definition per method: its arguments (a tuple type), its result
 * type, whether it is long (a task with progress that can be cancelled), how many arguments it takes, and its
 * argument checker (a type guard, with the reason naming the field at fault). Derived from it:
 *  - the host dispatch (src/api/host.ts), typed by the same arguments and results;
 *  - the Electron IPC router (main/ipcRouter.ts) and the serve HTTP routes (src/serve/server.ts), which refuse an
 *    unknown method or malformed arguments as INVALID_ARGUMENT before anything reaches the engine;
 *  - the renderer client (renderer/src/api/client.ts), which imports the types only.
 *
 * Security decisions here:
 *  - Credentials reach the engine only as names of stored secrets, never as file paths: a compromised page must
 *    not be able to make the engine read a local file and send it to a server of its choosing.
 *  - No method returns a secret value; setSecret and addCopy (bucket credentials, tested then stored) take one
 *    in, nothing gives one out.
 *  - Arguments are bounded (string lengths, array sizes) so a page cannot make the host allocate without limit.
 */
import {
  arity,
  checkAddCopy,
  checkAuth,
  checkFolderRestore,
  checkIncident,
  checkPeoplePatch,
  checkScope,
  checkServerRestore,
  checkSettingsPatch,
  checkUrl,
  first,
  isBool,
  isLanguage,
  isObject,
  isSecretName,
  isSnapshotRef,
  isString,
  MAX_SECRET,
  onlyKeys,
  optional,
  SCOPE_KEYS,
  type ArgsCheck,
} from './apiChecks.js';
import type {
  AddCopyRequest,
  AddCopyResult,
  AppSettings,
  ExtraSourceSetting,
  FileListResult,
  FilesRestorePlanResult,
  FilesRestoreRequest,
  FilesRestoreResultSummary,
  FilesScopeRequest,
  AuditLogEntry,
  DatabaseDumpTestResult,
  DatabaseRestoreResult,
  DatabaseSourceSetting,
  BackupResult,
  CheckResult,
  DesktopSettings,
  ConnectResult,
  AlertChannelHealth,
  DetectedDestination,
  OffsiteProvider,
  FolderListing,
  FhirRestoreResult,
  FolderRestorePlan,
  ForgetResult,
  HostInfo,
  IncidentInput,
  IncidentView,
  InitRequest,
  InitResult,
  KeySlotSummary,
  PatientSearchResult,
  PeopleSettings,
  RecoveryKitStatus,
  RecoveryKitWords,
  RepoStats,
  ResourceListResult,
  RestorePlan,
  RestoreResult,
  RestoreScopeRequest,
  ServerRestoreRequest,
  SnapshotSummary,
  SourceAuthSetting,
  SourceProbe,
  StatusSummary,
  TaskInfo,
} from './contract.js';
import type { DrillRunResult, DrillSummary, SourceDrillResult } from './drill.js';

/** One source as listed (never credentials). */
export interface SourceListItemInfo {
  readonly kind: 'fhir' | 'folders' | 'database';
  readonly name: string;
  readonly description: string;
}

/** How one source's backup went in a run of every source. */
export interface SourceRunOutcomeInfo {
  readonly name: string;
  readonly kind: 'fhir' | 'folders' | 'database';
  readonly ok: boolean;
  readonly snapshotId: string | null;
  readonly errorCode: string | null;
}

const FILES_SCOPE_KEYS = ['snapshot', 'asOf', 'source', 'path'] as const;

function checkFilesScope(v: unknown, extra: readonly string[]): string | null {
  if (!isObject(v)) return 'request';
  return first(
    onlyKeys(v, [...FILES_SCOPE_KEYS, ...extra], 'request'),
    optional(v, 'snapshot', (x) => isSnapshotRef(x), 'request'),
    optional(v, 'asOf', (x) => isString(x, 40), 'request'),
    optional(v, 'source', (x) => isString(x, 100), 'request'),
    optional(v, 'path', (x) => isString(x, 4096), 'request'),
    optional(v, 'query', (x) => isString(x, 200), 'request'),
    optional(v, 'limit', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 100_000, 'request'),
    optional(v, 'depth', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 1000, 'request'),
    optional(v, 'target', (x) => isString(x, 4096) && (x as string).trim() !== '', 'request'),
    optional(v, 'overwrite', isBool, 'request'),
    optional(v, 'into', (x) => isString(x, 4096) && (x as string).trim() !== '', 'request'),
    extra.includes('target') && typeof v['target'] !== 'string' ? 'request.target' : null,
    extra.includes('into') && typeof v['into'] !== 'string' ? 'request.into' : null,
  );
}

function checkExtraSource(v: unknown, where: string): string | null {
  if (!isObject(v)) return where;
  if (v['kind'] === 'folders') {
    return first(
      onlyKeys(v, ['kind', 'name', 'paths', 'exclude', 'allowEmpty'], where),
      isString(v['name'], 100) ? null : `${where}.name`,
      Array.isArray(v['paths']) && v['paths'].length > 0 && v['paths'].length <= 50 && v['paths'].every((p) => isString(p, 4096)) ? null : `${where}.paths`,
      optional(v, 'exclude', (x) => Array.isArray(x) && x.length <= 200 && x.every((p) => isString(p, 500)), where),
      optional(v, 'allowEmpty', isBool, where),
    );
  }
  if (v['kind'] === 'database') {
    return first(onlyKeys(v, ['kind', 'name', 'database'], where), isString(v['name'], 100) ? null : `${where}.name`, checkDatabaseSetting(v['database'], `${where}.database`));
  }
  return `${where}.kind`;
}

/** A database source's connection: a preset kind and its fields (a password only as a stored secret's name). */
function checkDatabaseSetting(d: unknown, where: string): string | null {
  if (!isObject(d)) return where;
  if (d['kind'] === 'sqlite') return first(onlyKeys(d, ['kind', 'path'], where), isString(d['path'], 4096) && (d['path'] as string).trim() !== '' ? null : `${where}.path`);
  if (d['kind'] !== 'postgres' && d['kind'] !== 'mysql' && d['kind'] !== 'firebird') return `${where}.kind`;
  return first(
    onlyKeys(d, ['kind', 'host', 'port', 'user', 'database', 'passwordSecret', 'toolDir'], where),
    d['kind'] === 'firebird' ? optional(d, 'host', (x) => isString(x, 255), where) : isString(d['host'], 255) && (d['host'] as string).trim() !== '' ? null : `${where}.host`,
    optional(d, 'port', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 65535, where),
    isString(d['user'], 255) && (d['user'] as string).trim() !== '' ? null : `${where}.user`,
    isString(d['database'], 4096) && (d['database'] as string).trim() !== '' ? null : `${where}.database`,
    optional(d, 'passwordSecret', (x) => isSecretName(x), where),
    optional(d, 'toolDir', (x) => isString(x, 4096), where),
  );
}
import type { ErrorInfo } from './errors.js';

type Language = 'pt-BR' | 'en';

export interface ApiMethod<A extends readonly unknown[], R> {
  /** Long operations run as tasks: progress events while they run, and cancelTask stops them. */
  readonly long: boolean;
  /** Fewest and most arguments. */
  readonly arity: readonly [min: number, max: number];
  /** Null when the arguments are acceptable; otherwise the field at fault. */
  readonly problem: ArgsCheck;
  /** The same check as a type guard. */
  readonly accepts: (args: readonly unknown[]) => args is A;
  /** Never set: carries the result type. */
  readonly result?: R;
}

function method<A extends readonly unknown[], R>(long: boolean, [min, max]: readonly [number, number], check: ArgsCheck = () => null): ApiMethod<A, R> {
  const problem: ArgsCheck = (args) => first(arity(args, min, max), check(args));
  return { long, arity: [min, max], problem, accepts: (args): args is A => problem(args) === null };
}

const objectArg =
  (check: (v: Record<string, unknown>) => string | null, where: string): ArgsCheck =>
  (a) =>
    isObject(a[0]) ? check(a[0]) : where;

const DEFINITIONS = {
  /** Host: where the repository is and which front end serves it. */
  hostInfo: method<[], HostInfo>(false, [0, 0]),
  /** Host: use the repository at another folder (setup wizard, destinations screen). */
  openRepository: method<[request: { path: string }], HostInfo>(
    false,
    [1, 1],
    objectArg((r) => first(onlyKeys(r, ['path'], 'request'), isString(r['path'], 1024) && (r['path'] as string).trim() !== '' ? null : 'request.path'), 'request.path'),
  ),
  status: method<[], StatusSummary>(false, [0, 0]),
  getSettings: method<[], AppSettings>(false, [0, 0]),
  updateSettings: method<[patch: Partial<AppSettings>], AppSettings>(false, [1, 1], (a) => checkSettingsPatch(a[0])),
  probeSource: method<[request: { source: string; auth: SourceAuthSetting }], SourceProbe>(
    false,
    [1, 1],
    objectArg((r) => first(onlyKeys(r, ['source', 'auth'], 'request'), checkUrl(r['source'], 'request.source'), checkAuth(r['auth'], 'request.auth')), 'request'),
  ),
  detectDestinations: method<[], DetectedDestination[]>(false, [0, 0]),
  /** How each alert channel last fared (test or real alert); null for a channel never tried since it was saved. */
  alertChannelHealth: method<[], { email: AlertChannelHealth | null; webhook: AlertChannelHealth | null }>(false, [0, 0]),
  /** Offsite providers by name, with their service addresses and regions (the setup's offsite step). */
  offsiteProviders: method<[], OffsiteProvider[]>(false, [0, 0]),
  /** Whether this computer has a usable keychain ('not-used' when a passphrase file is used instead). */
  keychainStatus: method<[], { keychain: 'available' | 'unavailable' | 'not-used' }>(false, [0, 0]),
  /** Host: no keychain, so keep the passphrase the clinic chose in an owner-only file and use it from now on. */
  useClinicPassphrase: method<[request: { passphrase: string }], HostInfo>(false, [1, 1], (a) =>
    isObject(a[0]) && Object.keys(a[0]).length === 1 && isString(a[0]['passphrase'], 1024) && a[0]['passphrase'] !== '' ? null : 'request.passphrase',
  ),
  /**
   * "Conectar a uma cópia existente": on a new computer, open the repository at the chosen folder with the words of the
   * printed kit and keep a key for this computer (its keychain, or the passphrase file it uses).
   */
  connectWithKit: method<[request: { recoveryKey: string }], ConnectResult>(false, [1, 1], (a) =>
    isObject(a[0]) && Object.keys(a[0]).length === 1 && isString(a[0]['recoveryKey'], 4096) && (a[0]['recoveryKey'] as string).trim() !== '' ? null : 'request.recoveryKey',
  ),
  /** Desktop app: the operating system's folder dialog (serve mode has browseFolders instead). */
  chooseFolder: method<[], { path: string | null }>(false, [0, 0]),
  /** The setup's folder picker (serve mode): drives and shares, then the folders inside one; never files. */
  browseFolders: method<[request?: { path?: string }], FolderListing>(false, [0, 1], (a) =>
    a[0] === undefined
      ? null
      : isObject(a[0]) && Object.keys(a[0]).every((k) => k === 'path') && (a[0]['path'] === undefined || (isString(a[0]['path'], 4096) && a[0]['path'] !== ''))
        ? null
        : 'request.path',
  ),
  /** Adds a copy after testing it; nothing is saved when the test fails. */
  addCopy: method<[request: AddCopyRequest], AddCopyResult>(false, [1, 1], (a) => checkAddCopy(a[0])),
  removeCopy: method<[location: string], { removed: boolean }>(false, [1, 1], (a) => (isString(a[0], 2048) && a[0] !== '' ? null : 'location')),
  /** Patients of a snapshot by name or id (one-patient restore). */
  findPatients: method<[request: { snapshot?: string; query: string; limit?: number }], PatientSearchResult>(
    false,
    [1, 1],
    objectArg(
      (r) =>
        first(
          onlyKeys(r, ['snapshot', 'query', 'limit'], 'request'),
          optional(r, 'snapshot', isSnapshotRef, 'request'),
          isString(r['query'], 200) ? null : 'request.query',
          optional(r, 'limit', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 100, 'request'),
        ),
      'request',
    ),
  ),
  /** Sends a test message on an alert channel. */
  sendTestAlert: method<[channel: 'email' | 'webhook'], { channel: string; sentAt: string }>(false, [1, 1], (a) => (a[0] === 'email' || a[0] === 'webhook' ? null : 'channel')),
  init: method<[request: InitRequest], InitResult>(
    false,
    [1, 1],
    objectArg(
      (r) => first(onlyKeys(r, ['useKeychain', 'recoveryLanguage'], 'request'), isBool(r['useKeychain']) ? null : 'request.useKeychain', optional(r, 'recoveryLanguage', isLanguage, 'request')),
      'request',
    ),
  ),
  backupNow: method<[], BackupResult & { strategy: string; requests: number }>(true, [0, 0]),
  snapshots: method<[], SnapshotSummary[]>(false, [0, 0]),
  snapshot: method<[snapshot: string], { summary: SnapshotSummary; manifest: unknown }>(false, [1, 1], (a) => (isSnapshotRef(a[0]) ? null : 'snapshot')),
  check: method<[options?: { readData?: boolean; readDataSubset?: { n: number; m: number } }], CheckResult>(true, [0, 1], (a) =>
    a[0] === undefined
      ? null
      : isObject(a[0])
        ? first(
            onlyKeys(a[0], ['readData', 'readDataSubset'], 'options'),
            optional(a[0], 'readData', isBool, 'options'),
            optional(a[0], 'readDataSubset', (x) => isObject(x) && Number.isInteger(x['n']) && Number.isInteger(x['m']) && Object.keys(x).length === 2, 'options'),
          )
        : 'options',
  ),
  stats: method<[], RepoStats>(false, [0, 0]),
  ls: method<[scope: RestoreScopeRequest], ResourceListResult>(
    false,
    [1, 1],
    objectArg((r) => first(onlyKeys(r, SCOPE_KEYS, 'scope'), checkScope(r, 'scope')), 'scope'),
  ),
  dump: method<[snapshot: string, reference: string], { snapshotId: string; text: string }>(false, [2, 2], (a) =>
    first(isSnapshotRef(a[0]) ? null : 'snapshot', typeof a[1] === 'string' && /^[A-Z][A-Za-z]{0,63}\/[A-Za-z0-9\-.]{1,64}$/.test(a[1]) ? null : 'reference'),
  ),
  planRestoreToFolder: method<[scope: RestoreScopeRequest], FolderRestorePlan>(
    true,
    [1, 1],
    objectArg((r) => first(onlyKeys(r, SCOPE_KEYS, 'scope'), checkScope(r, 'scope')), 'scope'),
  ),
  planRestoreToServer: method<[request: ServerRestoreRequest], RestorePlan>(true, [1, 1], (a) => checkServerRestore(a[0], false)),
  restoreToServer: method<[request: ServerRestoreRequest & { confirmed: true; verify?: 'none' | 'sample' | 'all' }], FhirRestoreResult & { plan: RestorePlan }>(true, [1, 1], (a) =>
    checkServerRestore(a[0], true),
  ),
  restoreToFolder: method<[request: RestoreScopeRequest & { target: string; confirmed: true; overwrite?: boolean }], RestoreResult>(true, [1, 1], (a) => checkFolderRestore(a[0])),
  recoveryKitStatus: method<[], RecoveryKitStatus>(false, [0, 0]),
  confirmRecoveryKit: method<[answers: { position: number; word: string }[]], { confirmedAt: string }>(false, [1, 1], (a) =>
    Array.isArray(a[0]) && a[0].length >= 1 && a[0].length <= 4 && a[0].every((x) => isObject(x) && Number.isInteger(x['position']) && isString(x['word'], 64) && Object.keys(x).length === 2)
      ? null
      : 'answers',
  ),
  /** The current recovery key's words, to print the same kit again. */
  recoveryKit: method<[language?: Language], RecoveryKitWords>(false, [0, 1], (a) => (a[0] === undefined || isLanguage(a[0]) ? null : 'language')),
  /** A new recovery key (the printed kit stops working): only with the user's typed confirmation. */
  rotateRecoveryKey: method<[request: { confirmed: true; language?: Language }], RecoveryKitWords>(
    false,
    [1, 1],
    objectArg((r) => first(onlyKeys(r, ['confirmed', 'language'], 'request'), r['confirmed'] === true ? null : 'request.confirmed', optional(r, 'language', isLanguage, 'request')), 'request'),
  ),
  listKeys: method<[], KeySlotSummary[]>(false, [0, 0]),
  listSecrets: method<[], string[]>(false, [0, 0]),
  setSecret: method<[name: string, value: string], { name: string }>(false, [2, 2], (a) =>
    first(isSecretName(a[0]) ? null : 'name', typeof a[1] === 'string' && a[1].length > 0 && a[1].length <= MAX_SECRET ? null : 'value'),
  ),
  deleteSecret: method<[name: string], { name: string; deleted: boolean }>(false, [1, 1], (a) => (isSecretName(a[0]) ? null : 'name')),
  auditLog: method<[limit?: number], AuditLogEntry[]>(false, [0, 1], (a) => (a[0] === undefined || (Number.isInteger(a[0]) && (a[0] as number) > 0 && (a[0] as number) <= 10_000) ? null : 'limit')),
  /** Desktop app only (start at login, pause on battery); serve answers NOT_FOUND. */
  getDesktopSettings: method<[], DesktopSettings>(false, [0, 0]),
  updateDesktopSettings: method<[patch: Partial<DesktopSettings>], DesktopSettings>(
    false,
    [1, 1],
    objectArg(
      (r) => first(onlyKeys(r, ['startAtLogin', 'pauseOnBattery'], 'settings'), optional(r, 'startAtLogin', isBool, 'settings'), optional(r, 'pauseOnBattery', isBool, 'settings')),
      'settings',
    ),
  ),
  /** Sources (the FHIR server, folders, databases): list, add, remove, back up one or all now. */
  listSources: method<[], SourceListItemInfo[]>(false, [0, 0]),
  addSource: method<[source: ExtraSourceSetting], SourceListItemInfo[]>(false, [1, 1], (a) => checkExtraSource(a[0], 'source')),
  removeSource: method<[name: string], SourceListItemInfo[]>(false, [1, 1], (a) => (isString(a[0], 100) && (a[0] as string).length > 0 ? null : 'name')),
  backupSource: method<[name: string], BackupResult>(true, [1, 1], (a) => (isString(a[0], 100) && (a[0] as string).length > 0 ? null : 'name')),
  backupAllSources: method<[], SourceRunOutcomeInfo[]>(true, [0, 0]),
  /** Files of a folders or database backup: browse and search by name; restore a folder or a file (plan first). */
  listFiles: method<[request: FilesScopeRequest & { query?: string; limit?: number; depth?: number }], FileListResult>(false, [1, 1], (a) => checkFilesScope(a[0], ['query', 'limit', 'depth'])),
  planRestoreFiles: method<[request: FilesRestoreRequest], FilesRestorePlanResult>(false, [1, 1], (a) => checkFilesScope(a[0], ['target', 'overwrite'])),
  restoreFiles: method<[request: FilesRestoreRequest], FilesRestoreResultSummary>(true, [1, 1], (a) => checkFilesScope(a[0], ['target', 'overwrite'])),
  /** "Test the dump" of a database source before saving it: nothing is stored; the size and time, or the cause in plain words. */
  testDatabaseDump: method<[request: { database: DatabaseSourceSetting }], DatabaseDumpTestResult>(
    true,
    [1, 1],
    objectArg((r) => first(onlyKeys(r, ['database'], 'request'), checkDatabaseSetting(r['database'], 'request.database')), 'request'),
  ),
  /** A database source's dump restored into a NEW database (PostgreSQL: on the source's own server; SQLite: a new file). */
  restoreDatabase: method<[request: FilesScopeRequest & { into: string }], DatabaseRestoreResult>(true, [1, 1], (a) => checkFilesScope(a[0], ['into'])),
  /** A restore drill of a folder or database source; the result says what was proven. */
  runSourceDrill: method<[request: { source?: string; snapshot?: string }], SourceDrillResult>(true, [1, 1], (a) => checkFilesScope(a[0], [])),
  /** Restore drills. */
  runDrill: method<[], DrillRunResult>(true, [0, 0]),
  listDrills: method<[], DrillSummary[]>(false, [0, 0]),
  /** The report as HTML only (the PDF stays on the host; the page prints the HTML). */
  drillReport: method<[id: number], { html: string }>(false, [1, 1], (a) => (Number.isInteger(a[0]) && (a[0] as number) > 0 ? null : 'id')),
  /** What the next retention run would remove with the policy in force (nothing is removed). */
  previewRetention: method<[], ForgetResult>(false, [0, 0]),
  /** The clinic's contacts (SOP-019 §4 roles) and where the printed recovery kit is kept. */
  getPeople: method<[], PeopleSettings>(false, [0, 0]),
  updatePeople: method<[patch: Partial<PeopleSettings>], PeopleSettings>(false, [1, 1], (a) => checkPeoplePatch(a[0])),
  /** The incident register (LGPD), each incident with its ANPD 3-business-day clock. */
  listIncidents: method<[], IncidentView[]>(false, [0, 0]),
  recordIncident: method<[incident: IncidentInput], IncidentView>(false, [1, 1], (a) => checkIncident(a[0])),
  updateIncident: method<[id: number, incident: IncidentInput], IncidentView>(false, [2, 2], (a) => first(Number.isInteger(a[0]) && (a[0] as number) > 0 ? null : 'id', checkIncident(a[1]))),
  /** The disaster-recovery plan or the compliance summary: HTML to show and the PDF (base64) to download. */
  configurationReport: method<[kind: 'dr-plan' | 'compliance'], { html: string; pdfBase64: string }>(true, [1, 1], (a) => (a[0] === 'dr-plan' || a[0] === 'compliance' ? null : 'kind')),
  /** The long operations running now (backups, restores, checks, drills…), each with its latest progress. */
  listTasks: method<[], TaskInfo[]>(false, [0, 0]),
  /** Cancels a running task; it stops at its next safe point and its own call answers CANCELLED, saying what it left. */
  cancelTask: method<[id: string], { cancelled: boolean }>(false, [1, 1], (a) => (isString(a[0], 100) && /^[A-Za-z0-9-]{1,100}$/.test(a[0]) ? null : 'id')),
};

type Definitions = typeof DEFINITIONS;

/** Every method the user interface may call. */
export type ApiMethodName = keyof Definitions;
export type ApiArgs<M extends ApiMethodName> = Definitions[M] extends ApiMethod<infer A, unknown> ? A : never;
export type ApiResult<M extends ApiMethodName> = Definitions[M] extends ApiMethod<readonly unknown[], infer R> ? R : never;

/** The contract, indexed so that a method name's definition carries its own argument and result types. */
export const API: { readonly [M in ApiMethodName]: ApiMethod<ApiArgs<M>, ApiResult<M>> } = DEFINITIONS;

export const API_METHOD_NAMES = Object.keys(DEFINITIONS) as ApiMethodName[];

export function isApiMethod(method: unknown): method is ApiMethodName {
  return typeof method === 'string' && Object.prototype.hasOwnProperty.call(DEFINITIONS, method);
}

/** Null when the call is acceptable; otherwise the reason (unknown method or the field at fault). */
export function checkApiCall(method: unknown, args: unknown): string | null {
  if (!isApiMethod(method)) return `unknown method ${typeof method === 'string' ? method.slice(0, 64) : typeof method}`;
  if (!Array.isArray(args) || args.length > 4) return 'arguments must be an array';
  return API[method].problem(args);
}

/** The answer to one call, as every transport carries it: a value, or an error as data. */
export type CallResult<R = unknown> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: ErrorInfo };

/** What the preload exposes to the page (main/preload.cts) as window.clinicBackup. */
export interface PreloadBridge {
  call(method: string, args: unknown[], locale?: Language): Promise<CallResult>;
  onEvent(listener: (event: unknown) => void): () => void;
}
