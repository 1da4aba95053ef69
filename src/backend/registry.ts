/**
 * The backend registry: one factory per location scheme (a folder, `s3:`), like restic's
 * internal/backend/location/registry.go. A factory parses and validates its locations, builds the location of a
 * copy from the fields a user typed (S3 bucket, region, prefix…), and opens or creates the backend. The engine
 * decides which credentials and limits to pass; nothing here reads settings or secrets.
 *
 * The S3 SDK is loaded only when an S3 location is opened.
 */
import path from 'node:path';
import { type AddCopyRequest, type AddCopyResult, type DestinationConfig, EngineError } from '../shared/index.js';
import { LocalBackend } from './local/localBackend.js';
import { parseLocation, type ParsedLocation } from './location.js';
import { RateLimitBackend } from './rateLimit.js';
import { RetryBackend } from './retry.js';
import { checkResidency, isBrazilianRegion, isPrivateEndpoint } from './s3/residency.js';
import type { Backend } from './types.js';

export interface S3Access {
  readonly region: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Bandwidth limits, bytes per second (so backups do not saturate the clinic's link). */
  readonly uploadBytesPerSecond?: number;
  readonly downloadBytesPerSecond?: number;
  /** A destination being tested from the user interface answers within this time or is reported unreachable. */
  readonly requestTimeoutMs?: number;
}

export interface OpenRequest {
  readonly mode: 'open' | 'create';
  /** How to reach an S3 location (ignored for folders). */
  readonly s3?: S3Access;
}

/** One location scheme. */
export interface LocationFactory<L extends ParsedLocation = ParsedLocation> {
  readonly scheme: L['type'];
  /** Whether the location is written in this scheme (before validation). */
  handles(location: string): boolean;
  /** The parsed location; INVALID_ARGUMENT (field "location") names what is wrong. */
  parse(location: string): L;
  /** Opens (or, for init and new copies, creates) the backend; every backend is wrapped in retries. */
  open(location: L, request: OpenRequest): Promise<Backend>;
}

const localFactory: LocationFactory<Extract<ParsedLocation, { type: 'local' }>> = {
  scheme: 'local',
  handles: (location) => !location.startsWith('s3:'),
  parse: (location) => {
    const p = parseLocation(location);
    if (p.type !== 'local') throw new EngineError('INVALID_ARGUMENT', { field: 'location', reason: 'not a folder' });
    return p;
  },
  open: async (location, request) => new RetryBackend(request.mode === 'create' ? await LocalBackend.create(location.path) : await LocalBackend.open(location.path)),
};

const s3Factory: LocationFactory<Extract<ParsedLocation, { type: 's3' }>> = {
  scheme: 's3',
  handles: (location) => location.startsWith('s3:'),
  parse: (location) => {
    const p = parseLocation(location);
    if (p.type !== 's3') throw new EngineError('INVALID_ARGUMENT', { field: 'location', reason: 'not an s3: location' });
    return p;
  },
  open: async (location, request) => {
    const access = request.s3;
    if (!access) throw new EngineError('INTERNAL', { reason: 'no S3 region given' });
    // Loaded here: most commands never touch S3, and the SDK is heavy.
    const { S3Backend } = await import('./s3/s3Backend.js');
    const options = {
      bucket: location.bucket,
      prefix: location.prefix,
      region: access.region,
      ...(location.endpoint ? { endpoint: location.endpoint, forcePathStyle: true } : {}),
      ...(access.credentials ? { credentials: access.credentials } : {}),
      ...(access.requestTimeoutMs ? { requestTimeoutMs: access.requestTimeoutMs } : {}),
    };
    const s3 = request.mode === 'create' ? await S3Backend.create(options) : await S3Backend.open(options);
    const { uploadBytesPerSecond: up, downloadBytesPerSecond: down } = access;
    const limited = up || down ? new RateLimitBackend(s3, { ...(up ? { writeBytesPerSecond: up } : {}), ...(down ? { readBytesPerSecond: down } : {}) }) : s3;
    return new RetryBackend(limited);
  },
};

/** The factories, most specific first (a folder path is whatever no other scheme claims). */
const FACTORIES: readonly LocationFactory[] = [s3Factory as LocationFactory, localFactory as LocationFactory];

function factoryFor(location: string): LocationFactory {
  const f = FACTORIES.find((x) => x.handles(location));
  if (!f) throw new EngineError('INVALID_ARGUMENT', { field: 'location', reason: 'unsupported destination type' });
  return f;
}

/** Parses a location with the factory of its scheme. */
export function parseBackendLocation(location: string): ParsedLocation {
  return factoryFor(location).parse(location);
}

/** The location as the engine keeps it: a folder made absolute, an S3 location as written. */
export function canonicalLocation(location: string): string {
  const p = parseBackendLocation(location);
  return p.type === 'local' ? path.resolve(p.path) : location;
}

/** Opens or creates the backend of a location. */
export async function openBackend(location: string, request: OpenRequest): Promise<Backend> {
  const f = factoryFor(location);
  return f.open(f.parse(location), request);
}

/** The bucket of an S3 location (null for a folder). */
export function bucketOf(location: string): string | null {
  const p = parseBackendLocation(location);
  return p.type === 's3' ? p.bucket : null;
}

/** Where the data of a destination lives, for the LGPD statements of the reports. */
export function residencyOf(location: string, region: string, acknowledged: boolean): 'local' | 'private-endpoint' | 'brazilian-region' | 'acknowledged' | 'unknown' {
  const p = parseBackendLocation(location);
  if (p.type === 'local') return 'local';
  if (isPrivateEndpoint(p.endpoint)) return 'private-endpoint';
  if (isBrazilianRegion(region)) return 'brazilian-region';
  return acknowledged ? 'acknowledged' : 'unknown';
}

/**
 * A plain copy location given on the command line or in the environment, with its kind inferred: `s3:` is the
 * offsite copy; a drive under /media, /run/media, /Volumes or another Windows drive letter is a rotating USB drive.
 */
export function copyOfLocation(location: string): DestinationConfig {
  if (location.startsWith('s3:')) return { location, kind: 's3', offsite: true };
  const resolved = path.resolve(location);
  const usb = /^(\/media\/|\/run\/media\/|\/Volumes\/|[D-Z]:\\)/.test(resolved);
  return { location: resolved, kind: usb ? 'usb' : 'nas', eject: false };
}

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const REGION_RE = /^[a-z0-9][a-z0-9-]{0,31}$/;
const PREFIX_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export interface CopyPlan {
  readonly config: DestinationConfig;
  /** S3: the region and credentials typed by the user, tested before anything is kept. */
  readonly given: { readonly region: string; readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } } | null;
  readonly residency: AddCopyResult['residency'];
}

/** Checks a copy request field by field (INVALID_ARGUMENT names the field) and builds its configuration. */
export function copyPlanOf(request: AddCopyRequest): CopyPlan {
  const invalid = (field: string, reason: string): EngineError => new EngineError('INVALID_ARGUMENT', { field, reason });
  const label = request.label?.trim() ? request.label.trim().slice(0, 100) : undefined;
  if (request.kind !== 's3') {
    if (typeof request.path !== 'string' || request.path.trim() === '') throw invalid('path', 'choose a folder or drive');
    if (request.rotateDays !== undefined && !(Number.isInteger(request.rotateDays) && request.rotateDays >= 1 && request.rotateDays <= 90)) throw invalid('rotateDays', '1-90');
    const location = path.resolve(request.path.trim());
    // A rotating USB drive is taken out of the clinic: it counts as the offsite copy (and, unplugged, as the air-gapped one).
    return {
      config: {
        location,
        kind: request.kind,
        offsite: request.kind === 'usb',
        ...(label ? { label } : {}),
        ...(request.rotateDays ? { rotateDays: request.rotateDays } : {}),
        ...(request.kind === 'usb' ? { eject: false } : {}),
      },
      given: null,
      residency: null,
    };
  }
  let endpoint: string | undefined;
  if (request.endpoint !== undefined && request.endpoint.trim() !== '') {
    let u: URL;
    try {
      u = new URL(request.endpoint.trim());
    } catch {
      throw invalid('endpoint', 'use https://host[:port]');
    }
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password || (u.pathname !== '/' && u.pathname !== '') || u.search)
      throw invalid('endpoint', 'use https://host[:port] without a path or credentials');
    endpoint = `${u.protocol}//${u.host}`;
  }
  const bucket = request.bucket.trim();
  if (!BUCKET_RE.test(bucket)) throw invalid('bucket', '3-63 lowercase letters, digits, dots or hyphens');
  const prefix = (request.prefix ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && (!PREFIX_RE.test(prefix) || prefix.length > 200)) throw invalid('prefix', 'letters, digits, ".", "_", "-" separated by "/"');
  const region = request.region.trim();
  if (!REGION_RE.test(region)) throw invalid('region', 'e.g. sa-east-1');
  const accessKeyId = request.accessKeyId.trim();
  if (accessKeyId === '' || accessKeyId.length > 128) throw invalid('accessKeyId', 'required');
  if (request.secretAccessKey === '' || request.secretAccessKey.length > 256) throw invalid('secretAccessKey', 'required');
  const location = `s3:${endpoint ? `${endpoint}/` : ''}${bucket}${prefix ? `/${prefix}` : ''}`;
  s3Factory.parse(location);
  // Before any request: a region outside Brazil needs the clinic's acknowledgement (LGPD).
  const residency = checkResidency(region, request.residencyAcknowledged === true, endpoint).basis;
  return {
    config: { location, kind: 's3', offsite: true, immutable: request.immutable === true, region, ...(label ? { label } : {}) },
    given: { region, credentials: { accessKeyId, secretAccessKey: request.secretAccessKey } },
    residency,
  };
}
