/**
 * The API the user interface may call, and the shape each call's arguments must have.
 *
 * Every front end that carries calls from the renderer (serve over HTTP, the Electron IPC router) checks a
 * call against this table before it reaches the engine: an unknown method or a malformed argument is refused
 * as INVALID_ARGUMENT. It deliberately has no imports, so main/ and src/serve/ hold the same file
 * (test/main/apiSchema.test.ts fails when the two copies drift) until it moves to src/shared.
 *
 * Security decisions here:
 *  - Credentials reach the engine only as names of stored secrets, never as file paths: a compromised page must
 *    not be able to make the engine read a local file and send it to a server of its choosing.
 *  - No method returns a secret value; setSecret and addCopy (bucket credentials, tested then stored) take one
 *    in, nothing gives one out.
 *  - Arguments are bounded (string lengths, array sizes) so a page cannot make the host allocate without limit.
 */

/** Returns null when the arguments are acceptable, otherwise a short reason naming the field. */
export type ArgsCheck = (args: readonly unknown[]) => string | null;

export interface ApiMethodSpec {
  /** Long operations report progress events while they run. */
  readonly long: boolean;
  readonly check: ArgsCheck;
}

const MAX_STRING = 4096;
const MAX_SECRET = 65536;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;
const TYPE_RE = /^[A-Z][A-Za-z]{0,63}$/;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isString(v: unknown, max = MAX_STRING): v is string {
  return typeof v === 'string' && v.length <= max;
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): string | null {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) return `${where}.${k} is not accepted`;
  return null;
}

function optional(o: Record<string, unknown>, key: string, test: (v: unknown) => boolean, where: string): string | null {
  return o[key] === undefined || test(o[key]) ? null : `${where}.${key}`;
}

function first(...reasons: (string | null)[]): string | null {
  return reasons.find((r) => r !== null) ?? null;
}

function arity(args: readonly unknown[], min: number, max: number): string | null {
  return args.length < min || args.length > max ? `expects ${min === max ? min : `${min}-${max}`} argument(s)` : null;
}

const isSecretName = (v: unknown): boolean => typeof v === 'string' && NAME_RE.test(v);
const isBool = (v: unknown): boolean => typeof v === 'boolean';
const isLanguage = (v: unknown): boolean => v === 'pt-BR' || v === 'en';
const isTypes = (v: unknown): boolean => Array.isArray(v) && v.length <= 200 && v.every((x) => typeof x === 'string' && TYPE_RE.test(x));
const isPatientId = (v: unknown): boolean => typeof v === 'string' && ID_RE.test(v);
const isDate = (v: unknown): boolean => typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
const isSnapshotRef = (v: unknown): boolean => typeof v === 'string' && /^(latest|[0-9a-f]{4,64})$/.test(v);

function checkUrl(v: unknown, where: string): string | null {
  if (!isString(v, 2048)) return where;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : where;
  } catch {
    return where;
  }
}

/** Source or restore-target credentials: secret names only (no *File fields from the user interface). */
export function checkAuth(v: unknown, where = 'auth'): string | null {
  if (!isObject(v)) return where;
  switch (v['kind']) {
    case 'none':
      return onlyKeys(v, ['kind'], where);
    case 'bearer':
      return first(onlyKeys(v, ['kind', 'tokenSecret'], where), isSecretName(v['tokenSecret']) ? null : `${where}.tokenSecret`);
    case 'basic':
      return first(
        onlyKeys(v, ['kind', 'username', 'passwordSecret'], where),
        isString(v['username'], 256) && v['username'] !== '' ? null : `${where}.username`,
        isSecretName(v['passwordSecret']) ? null : `${where}.passwordSecret`,
      );
    case 'smart':
      return first(
        onlyKeys(v, ['kind', 'clientId', 'tokenUrl', 'keySecret', 'keyId', 'scope', 'scopes'], where),
        isString(v['clientId'], 256) && v['clientId'] !== '' ? null : `${where}.clientId`,
        checkUrl(v['tokenUrl'], `${where}.tokenUrl`),
        isSecretName(v['keySecret']) ? null : `${where}.keySecret`,
        optional(v, 'keyId', (x) => isString(x, 256), where),
        optional(v, 'scope', (x) => isString(x, 1024), where),
        optional(v, 'scopes', (x) => Array.isArray(x) && x.length >= 1 && x.length <= 10 && x.every((y) => isString(y, 1024)), where),
      );
    default:
      return `${where}.kind`;
  }
}

function checkScope(v: Record<string, unknown>, where: string): string | null {
  return first(
    optional(v, 'snapshot', isSnapshotRef, where),
    optional(v, 'asOf', isDate, where),
    optional(v, 'types', isTypes, where),
    optional(v, 'patient', isPatientId, where),
    optional(v, 'includeShared', isBool, where),
  );
}

const SCOPE_KEYS = ['snapshot', 'asOf', 'types', 'patient', 'includeShared'];

function checkSchedule(v: unknown, where: string): string | null {
  if (!isObject(v)) return where;
  if (!['interval', 'daily', 'weekly', 'monthly'].includes(String(v['kind']))) return `${where}.kind`;
  // The engine validates the values; here only the shape and size.
  return first(
    onlyKeys(v, ['kind', 'everyMinutes', 'at', 'weekday', 'day', 'timeZone', 'window'], where),
    optional(v, 'everyMinutes', (x) => Number.isInteger(x), where),
    optional(v, 'weekday', (x) => Number.isInteger(x), where),
    optional(v, 'day', (x) => Number.isInteger(x), where),
    optional(v, 'at', (x) => isString(x, 5), where),
    optional(v, 'timeZone', (x) => isString(x, 64), where),
    optional(v, 'window', (x) => isObject(x) && isString(x['from'], 5) && isString(x['to'], 5) && Object.keys(x).length === 2, where),
  );
}

const isCount = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= -1 && (x as number) <= 100_000;

function checkRetention(v: unknown, where: string): string | null {
  if (!isObject(v)) return where;
  return first(
    onlyKeys(v, ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'legalFloorYears', 'timeZone'], where),
    ...['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'legalFloorYears'].map((k) => optional(v, k, isCount, where)),
    optional(v, 'timeZone', (x) => isString(x, 64), where),
  );
}

const isAddress = (x: unknown): boolean => isString(x, 320) && /^[^@\s]+@[^@\s]+$/.test(x);

/** Alert channels: secrets by name only (the SMTP password, the webhook's signing key). */
function checkAlerts(v: unknown, where: string): string | null {
  if (!isObject(v)) return where;
  const keys = onlyKeys(v, ['email', 'webhook'], where);
  if (keys) return keys;
  const email = v['email'];
  if (email !== undefined && email !== null) {
    if (!isObject(email)) return `${where}.email`;
    const r = first(
      onlyKeys(email, ['host', 'port', 'security', 'username', 'passwordSecret', 'from', 'to'], `${where}.email`),
      isString(email['host'], 255) && email['host'] !== '' ? null : `${where}.email.host`,
      optional(email, 'port', (x) => Number.isInteger(x) && (x as number) > 0 && (x as number) < 65536, `${where}.email`),
      optional(email, 'security', (x) => x === 'tls' || x === 'starttls' || x === 'none', `${where}.email`),
      optional(email, 'username', (x) => isString(x, 256), `${where}.email`),
      optional(email, 'passwordSecret', isSecretName, `${where}.email`),
      isAddress(email['from']) ? null : `${where}.email.from`,
      Array.isArray(email['to']) && email['to'].length >= 1 && email['to'].length <= 20 && email['to'].every(isAddress) ? null : `${where}.email.to`,
    );
    if (r) return r;
  }
  const webhook = v['webhook'];
  if (webhook !== undefined && webhook !== null) {
    if (!isObject(webhook)) return `${where}.webhook`;
    const r = first(
      onlyKeys(webhook, ['url', 'urlSecret', 'signingSecret'], `${where}.webhook`),
      webhook['url'] === undefined ? null : checkUrl(webhook['url'], `${where}.webhook.url`),
      optional(webhook, 'urlSecret', isSecretName, `${where}.webhook`),
      optional(webhook, 'signingSecret', isSecretName, `${where}.webhook`),
    );
    if (r) return r;
  }
  return null;
}

/** A copy to add: an S3 bucket (credentials in, tested, then kept in the secret store) or a folder/drive. */
function checkAddCopy(v: unknown): string | null {
  if (!isObject(v)) return 'request';
  if (v['kind'] === 's3') {
    return first(
      onlyKeys(v, ['kind', 'endpoint', 'bucket', 'prefix', 'region', 'accessKeyId', 'secretAccessKey', 'residencyAcknowledged', 'immutable', 'label'], 'request'),
      v['endpoint'] === undefined || v['endpoint'] === '' ? null : checkUrl(v['endpoint'], 'request.endpoint'),
      isString(v['bucket'], 63) ? null : 'request.bucket',
      optional(v, 'prefix', (x) => isString(x, 200), 'request'),
      isString(v['region'], 32) ? null : 'request.region',
      isString(v['accessKeyId'], 128) ? null : 'request.accessKeyId',
      isString(v['secretAccessKey'], 256) ? null : 'request.secretAccessKey',
      optional(v, 'residencyAcknowledged', isBool, 'request'),
      optional(v, 'immutable', isBool, 'request'),
      optional(v, 'label', (x) => isString(x, 100), 'request'),
    );
  }
  if (v['kind'] === 'nas' || v['kind'] === 'usb') {
    return first(
      onlyKeys(v, ['kind', 'path', 'label', 'rotateDays'], 'request'),
      isString(v['path'], 1024) && (v['path'] as string).trim() !== '' ? null : 'request.path',
      optional(v, 'label', (x) => isString(x, 100), 'request'),
      optional(v, 'rotateDays', (x) => Number.isInteger(x), 'request'),
    );
  }
  return 'request.kind';
}

function checkSettingsPatch(v: unknown): string | null {
  if (!isObject(v)) return 'settings';
  const keys = onlyKeys(v, ['language', 'source', 'schedule', 'clinicName', 'retention', 'alerts', 'shrinkGuardPercent', 'timeZone'], 'settings');
  if (keys) return keys;
  if (v['clinicName'] !== undefined && !isString(v['clinicName'], 200)) return 'settings.clinicName';
  if (v['shrinkGuardPercent'] !== undefined && !(Number.isInteger(v['shrinkGuardPercent']) && (v['shrinkGuardPercent'] as number) >= 0 && (v['shrinkGuardPercent'] as number) <= 100)) return 'settings.shrinkGuardPercent';
  if (v['timeZone'] !== undefined && !(isString(v['timeZone'], 64) && /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$|^UTC$/.test(v['timeZone'] as string))) return 'settings.timeZone';
  if (v['retention'] !== undefined) {
    const r = checkRetention(v['retention'], 'settings.retention');
    if (r) return r;
  }
  if (v['alerts'] !== undefined) {
    const r = checkAlerts(v['alerts'], 'settings.alerts');
    if (r) return r;
  }
  if (v['language'] !== undefined && !isLanguage(v['language'])) return 'settings.language';
  if (v['source'] !== undefined && v['source'] !== null) {
    const s = v['source'];
    if (!isObject(s)) return 'settings.source';
    const r = first(
      onlyKeys(s, ['url', 'auth', 'allowedHosts', 'exportStuckMinutes'], 'settings.source'),
      checkUrl(s['url'], 'settings.source.url'),
      checkAuth(s['auth'], 'settings.source.auth'),
      optional(s, 'allowedHosts', (x) => Array.isArray(x) && x.length <= 50 && x.every((y) => isString(y, 300)), 'settings.source'),
      optional(s, 'exportStuckMinutes', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 1440, 'settings.source'),
    );
    if (r) return r;
  }
  if (v['schedule'] !== undefined) {
    const s = v['schedule'];
    if (!isObject(s)) return 'settings.schedule';
    const r = first(onlyKeys(s, ['backup', 'drill'], 'settings.schedule'), checkSchedule(s['backup'], 'settings.schedule.backup'), checkSchedule(s['drill'], 'settings.schedule.drill'));
    if (r) return r;
  }
  return null;
}

function checkServerRestore(v: unknown, withConfirmation: boolean): string | null {
  if (!isObject(v)) return 'request';
  const keys = [...SCOPE_KEYS, 'target', 'auth', 'includeAdministration', ...(withConfirmation ? ['confirmed', 'verify'] : [])];
  return first(
    onlyKeys(v, keys, 'request'),
    checkScope(v, 'request'),
    checkUrl(v['target'], 'request.target'),
    checkAuth(v['auth'], 'request.auth'),
    optional(v, 'includeAdministration', isBool, 'request'),
    withConfirmation ? (v['confirmed'] === true ? null : 'request.confirmed') : null,
    withConfirmation ? optional(v, 'verify', (x) => x === 'none' || x === 'sample' || x === 'all', 'request') : null,
  );
}

function checkFolderRestore(v: unknown): string | null {
  if (!isObject(v)) return 'request';
  return first(
    onlyKeys(v, [...SCOPE_KEYS, 'target', 'overwrite', 'confirmed'], 'request'),
    checkScope(v, 'request'),
    isString(v['target'], 1024) && (v['target'] as string).trim() !== '' ? null : 'request.target',
    optional(v, 'overwrite', isBool, 'request'),
    v['confirmed'] === true ? null : 'request.confirmed',
  );
}

const none: ArgsCheck = (a) => arity(a, 0, 0);

/** Every method the user interface may call. Anything else is refused. */
export const API_METHODS: Readonly<Record<string, ApiMethodSpec>> = {
  /** Host: where the repository is and which front end serves it. */
  hostInfo: { long: false, check: none },
  /** Host: use the repository at another folder (setup wizard, destinations screen). */
  openRepository: { long: false, check: (a) => first(arity(a, 1, 1), isObject(a[0]) && onlyKeys(a[0], ['path'], 'request') === null && isString(a[0]['path'], 1024) && (a[0]['path'] as string).trim() !== '' ? null : 'request.path') },
  status: { long: false, check: none },
  getSettings: { long: false, check: none },
  updateSettings: { long: false, check: (a) => first(arity(a, 1, 1), checkSettingsPatch(a[0])) },
  probeSource: { long: false, check: (a) => first(arity(a, 1, 1), isObject(a[0]) ? first(onlyKeys(a[0], ['source', 'auth'], 'request'), checkUrl(a[0]['source'], 'request.source'), checkAuth(a[0]['auth'], 'request.auth')) : 'request') },
  detectDestinations: { long: false, check: none },
  /** Adds a copy after testing it; nothing is saved when the test fails. */
  addCopy: { long: false, check: (a) => first(arity(a, 1, 1), checkAddCopy(a[0])) },
  removeCopy: { long: false, check: (a) => first(arity(a, 1, 1), isString(a[0], 2048) && (a[0] as string) !== '' ? null : 'location') },
  /** Patients of a snapshot by name or id (one-patient restore). */
  findPatients: {
    long: false,
    check: (a) =>
      first(
        arity(a, 1, 1),
        isObject(a[0]) ? first(onlyKeys(a[0], ['snapshot', 'query', 'limit'], 'request'), optional(a[0], 'snapshot', isSnapshotRef, 'request'), isString(a[0]['query'], 200) ? null : 'request.query', optional(a[0], 'limit', (x) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 100, 'request')) : 'request',
      ),
  },
  /** Sends a test message on an alert channel. */
  sendTestAlert: { long: false, check: (a) => first(arity(a, 1, 1), a[0] === 'email' || a[0] === 'webhook' ? null : 'channel') },
  init: {
    long: false,
    check: (a) => first(arity(a, 1, 1), isObject(a[0]) ? first(onlyKeys(a[0], ['useKeychain', 'recoveryLanguage'], 'request'), isBool(a[0]['useKeychain']) ? null : 'request.useKeychain', optional(a[0], 'recoveryLanguage', isLanguage, 'request')) : 'request'),
  },
  backupNow: { long: true, check: none },
  snapshots: { long: false, check: none },
  snapshot: { long: false, check: (a) => first(arity(a, 1, 1), isSnapshotRef(a[0]) ? null : 'snapshot') },
  check: {
    long: true,
    check: (a) =>
      first(
        arity(a, 0, 1),
        a[0] === undefined ? null : isObject(a[0]) ? first(onlyKeys(a[0], ['readData', 'readDataSubset'], 'options'), optional(a[0], 'readData', isBool, 'options'), optional(a[0], 'readDataSubset', (x) => isObject(x) && Number.isInteger(x['n']) && Number.isInteger(x['m']), 'options')) : 'options',
      ),
  },
  stats: { long: false, check: none },
  ls: { long: false, check: (a) => first(arity(a, 1, 1), isObject(a[0]) ? first(onlyKeys(a[0], SCOPE_KEYS, 'scope'), checkScope(a[0], 'scope')) : 'scope') },
  dump: { long: false, check: (a) => first(arity(a, 2, 2), isSnapshotRef(a[0]) ? null : 'snapshot', typeof a[1] === 'string' && /^[A-Z][A-Za-z]{0,63}\/[A-Za-z0-9\-.]{1,64}$/.test(a[1]) ? null : 'reference') },
  planRestoreToFolder: { long: true, check: (a) => first(arity(a, 1, 1), isObject(a[0]) ? first(onlyKeys(a[0], SCOPE_KEYS, 'scope'), checkScope(a[0], 'scope')) : 'scope') },
  planRestoreToServer: { long: true, check: (a) => first(arity(a, 1, 1), checkServerRestore(a[0], false)) },
  restoreToServer: { long: true, check: (a) => first(arity(a, 1, 1), checkServerRestore(a[0], true)) },
  restoreToFolder: { long: true, check: (a) => first(arity(a, 1, 1), checkFolderRestore(a[0])) },
  recoveryKitStatus: { long: false, check: none },
  confirmRecoveryKit: {
    long: false,
    check: (a) =>
      first(arity(a, 1, 1), Array.isArray(a[0]) && a[0].length >= 1 && a[0].length <= 4 && a[0].every((x) => isObject(x) && Number.isInteger(x['position']) && isString(x['word'], 64) && Object.keys(x).length === 2) ? null : 'answers'),
  },
  /** The current recovery key's words, to print the same kit again. */
  recoveryKit: { long: false, check: (a) => first(arity(a, 0, 1), a[0] === undefined || isLanguage(a[0]) ? null : 'language') },
  /** A new recovery key (the printed kit stops working): only with the user's typed confirmation. */
  rotateRecoveryKey: {
    long: false,
    check: (a) => first(arity(a, 1, 1), isObject(a[0]) ? first(onlyKeys(a[0], ['confirmed', 'language'], 'request'), a[0]['confirmed'] === true ? null : 'request.confirmed', optional(a[0], 'language', isLanguage, 'request')) : 'request'),
  },
  listKeys: { long: false, check: none },
  listSecrets: { long: false, check: none },
  setSecret: { long: false, check: (a) => first(arity(a, 2, 2), isSecretName(a[0]) ? null : 'name', typeof a[1] === 'string' && a[1].length > 0 && a[1].length <= MAX_SECRET ? null : 'value') },
  deleteSecret: { long: false, check: (a) => first(arity(a, 1, 1), isSecretName(a[0]) ? null : 'name') },
  auditLog: { long: false, check: (a) => first(arity(a, 0, 1), a[0] === undefined || (Number.isInteger(a[0]) && (a[0] as number) > 0 && (a[0] as number) <= 10_000) ? null : 'limit') },
  /** Desktop app only (start at login, pause on battery); serve answers NOT_FOUND. */
  getDesktopSettings: { long: false, check: none },
  updateDesktopSettings: {
    long: false,
    check: (a) =>
      first(arity(a, 1, 1), isObject(a[0]) ? first(onlyKeys(a[0], ['startAtLogin', 'pauseOnBattery'], 'settings'), optional(a[0], 'startAtLogin', isBool, 'settings'), optional(a[0], 'pauseOnBattery', isBool, 'settings')) : 'settings'),
  },
  /** Restore drills (provided by the engine when available; the host answers NOT_FOUND otherwise). */
  runDrill: { long: true, check: none },
  listDrills: { long: false, check: none },
  drillReport: { long: false, check: (a) => first(arity(a, 1, 1), Number.isInteger(a[0]) && (a[0] as number) > 0 ? null : 'id') },
};

export type ApiMethodName = keyof typeof API_METHODS;

/** Null when the call is acceptable; otherwise the reason (unknown method or the field at fault). */
export function checkApiCall(method: unknown, args: unknown): string | null {
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(API_METHODS, method)) return `unknown method ${typeof method === 'string' ? method.slice(0, 64) : typeof method}`;
  if (!Array.isArray(args) || args.length > 4) return 'arguments must be an array';
  return (API_METHODS[method] as ApiMethodSpec).check(args);
}
