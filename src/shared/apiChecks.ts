/**
 * The shape checks of the API contract's arguments (src/shared/api.ts): each returns null when a value is
 * acceptable, otherwise a short reason naming the field at fault. Pure, no imports: the renderer may load the
 * contract's types without pulling anything in.
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

const MAX_STRING = 4096;
export const MAX_SECRET = 65536;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;
const TYPE_RE = /^[A-Z][A-Za-z]{0,63}$/;
const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isString(v: unknown, max = MAX_STRING): v is string {
  return typeof v === 'string' && v.length <= max;
}

export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): string | null {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) return `${where}.${k} is not accepted`;
  return null;
}

export function optional(o: Record<string, unknown>, key: string, test: (v: unknown) => boolean, where: string): string | null {
  return o[key] === undefined || test(o[key]) ? null : `${where}.${key}`;
}

export function first(...reasons: (string | null)[]): string | null {
  return reasons.find((r) => r !== null) ?? null;
}

export function arity(args: readonly unknown[], min: number, max: number): string | null {
  return args.length < min || args.length > max ? `expects ${min === max ? min : `${min}-${max}`} argument(s)` : null;
}

export const isSecretName = (v: unknown): boolean => typeof v === 'string' && NAME_RE.test(v);
export const isBool = (v: unknown): boolean => typeof v === 'boolean';
export const isLanguage = (v: unknown): boolean => v === 'pt-BR' || v === 'en';
export const isTypes = (v: unknown): boolean => Array.isArray(v) && v.length <= 200 && v.every((x) => typeof x === 'string' && TYPE_RE.test(x));
export const isPatientId = (v: unknown): boolean => typeof v === 'string' && ID_RE.test(v);
export const isDate = (v: unknown): boolean => typeof v === 'string' && v.length <= 40 && !Number.isNaN(Date.parse(v));
export const isSnapshotRef = (v: unknown): boolean => typeof v === 'string' && /^(latest|[0-9a-f]{4,64})$/.test(v);

export function checkUrl(v: unknown, where: string): string | null {
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

export function checkScope(v: Record<string, unknown>, where: string): string | null {
  return first(
    optional(v, 'snapshot', isSnapshotRef, where),
    optional(v, 'asOf', isDate, where),
    optional(v, 'types', isTypes, where),
    optional(v, 'patient', isPatientId, where),
    optional(v, 'includeShared', isBool, where),
  );
}

export const SCOPE_KEYS = ['snapshot', 'asOf', 'types', 'patient', 'includeShared'];

export function checkSchedule(v: unknown, where: string): string | null {
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

export const isCount = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= -1 && (x as number) <= 100_000;

export function checkRetention(v: unknown, where: string): string | null {
  if (!isObject(v)) return where;
  return first(
    onlyKeys(v, ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'legalFloorYears', 'timeZone'], where),
    ...['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly', 'legalFloorYears'].map((k) => optional(v, k, isCount, where)),
    optional(v, 'timeZone', (x) => isString(x, 64), where),
  );
}

export const isAddress = (x: unknown): boolean => isString(x, 320) && /^[^@\s]+@[^@\s]+$/.test(x);

/** Alert channels: secrets by name only (the SMTP password, the webhook's signing key). */
export function checkAlerts(v: unknown, where: string): string | null {
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
export function checkAddCopy(v: unknown): string | null {
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

export function checkSettingsPatch(v: unknown): string | null {
  if (!isObject(v)) return 'settings';
  const keys = onlyKeys(v, ['language', 'source', 'sources', 'schedule', 'clinicName', 'retention', 'alerts', 'shrinkGuardPercent', 'timeZone'], 'settings');
  if (v['sources'] !== undefined && !(Array.isArray(v['sources']) && v['sources'].length <= 50 && v['sources'].every((x) => isObject(x)))) return 'settings.sources';
  if (keys) return keys;
  if (v['clinicName'] !== undefined && !isString(v['clinicName'], 200)) return 'settings.clinicName';
  if (v['shrinkGuardPercent'] !== undefined && !(Number.isInteger(v['shrinkGuardPercent']) && (v['shrinkGuardPercent'] as number) >= 0 && (v['shrinkGuardPercent'] as number) <= 100))
    return 'settings.shrinkGuardPercent';
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
    const optional = ['check', 'retention', 'summary', 'alerts'].filter((k) => s[k] !== undefined).map((k) => checkSchedule(s[k], `settings.schedule.${k}`));
    const r = first(
      onlyKeys(s, ['backup', 'drill', 'check', 'retention', 'summary', 'alerts'], 'settings.schedule'),
      checkSchedule(s['backup'], 'settings.schedule.backup'),
      checkSchedule(s['drill'], 'settings.schedule.drill'),
      ...optional,
    );
    if (r) return r;
  }
  return null;
}

export function checkServerRestore(v: unknown, withConfirmation: boolean): string | null {
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

export function checkFolderRestore(v: unknown): string | null {
  if (!isObject(v)) return 'request';
  return first(
    onlyKeys(v, [...SCOPE_KEYS, 'target', 'overwrite', 'confirmed'], 'request'),
    checkScope(v, 'request'),
    isString(v['target'], 1024) && (v['target'] as string).trim() !== '' ? null : 'request.target',
    optional(v, 'overwrite', isBool, 'request'),
    v['confirmed'] === true ? null : 'request.confirmed',
  );
}

const ROLES = ['owner', 'it', 'dpo', 'fhirVendor', 'cloudProvider', 'support'];
const nullableText =
  (max: number) =>
  (v: unknown): boolean =>
    v === null || isString(v, max);

/** Contacts and where the kit is kept (people screen). */
export function checkPeoplePatch(v: unknown): string | null {
  if (!isObject(v)) return 'people';
  const contacts = v['contacts'];
  const contactProblem = (c: unknown, i: number): string | null =>
    isObject(c)
      ? first(
          onlyKeys(c, ['role', 'name', 'phone', 'email'], `people.contacts.${i}`),
          ROLES.includes(String(c['role'])) ? null : `people.contacts.${i}.role`,
          isString(c['name'], 200) ? null : `people.contacts.${i}.name`,
          optional(c, 'phone', nullableText(50), `people.contacts.${i}`),
          optional(c, 'email', nullableText(200), `people.contacts.${i}`),
        )
      : `people.contacts.${i}`;
  return first(
    onlyKeys(v, ['contacts', 'kitLocation'], 'people'),
    contacts === undefined ? null : Array.isArray(contacts) && contacts.length <= 30 ? first(...contacts.map(contactProblem)) : 'people.contacts',
    optional(v, 'kitLocation', nullableText(300), 'people'),
  );
}

/** One incident of the register. */
export function checkIncident(v: unknown): string | null {
  if (!isObject(v)) return 'incident';
  const date = (x: unknown): boolean => x === null || (isString(x, 40) && Number.isFinite(Date.parse(x)));
  return first(
    onlyKeys(v, ['title', 'description', 'discoveredAt', 'occurredAt', 'dataAffected', 'anpdNotifiedAt', 'holdersNotifiedAt', 'closedAt'], 'incident'),
    isString(v['title'], 200) && (v['title'] as string).trim() !== '' ? null : 'incident.title',
    date(v['discoveredAt']) && v['discoveredAt'] !== null ? null : 'incident.discoveredAt',
    optional(v, 'description', (x) => isString(x, 4000), 'incident'),
    optional(v, 'dataAffected', (x) => isString(x, 2000), 'incident'),
    optional(v, 'occurredAt', date, 'incident'),
    optional(v, 'anpdNotifiedAt', date, 'incident'),
    optional(v, 'holdersNotifiedAt', date, 'incident'),
    optional(v, 'closedAt', date, 'incident'),
  );
}
