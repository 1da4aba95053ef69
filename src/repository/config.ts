/**
 * `config`: the only plaintext file besides key slots. It is the repository marker (a destination without it
 * is never written to) and holds the parameters a reader needs. No secrets.
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend/index.js';
import { EngineError, isEngineError } from '../shared/index.js';

export const FORMAT_NAME = 'clinic-backup-repository';
/** What `init` writes (docs/format.md). Version 1 (docs/format-v1.md) stays readable; `migrate` converts it. */
export const FORMAT_VERSION = 2;
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2];

export interface RepoConfig {
  readonly format: typeof FORMAT_NAME;
  readonly version: 1 | 2;
  /** 32 hex characters (128 random bits). */
  readonly id: string;
  readonly created: string;
  /** When `migrate` converted the repository from version 1 (informational). */
  readonly migrated?: string;
  readonly params: RepoParams;
}

/** Writer parameters of both versions (each config stores only its version's keys; missing keys take defaults). */
export interface RepoParams {
  /** Target uncompressed bytes per frame (v1: frames of blobs; v2: resource frames, §14.2). */
  readonly frameTargetBytes: number;
  /** Target stored bytes per pack file. */
  readonly packTargetBytes: number;
  /** zstd level (brotli quality is derived when zstd is unavailable). */
  readonly compressionLevel: number;
  /** v1: entries per tree chunk of a checkpoint. */
  readonly treeChunkEntries: number;
  /** v2: rows per checkpoint row chunk (§14.6). */
  readonly treeChunkRows: number;
  /** v2: size of a resource type's compression dictionary (§9.2). */
  readonly dictionaryBytes: number;
  /** v2: content-defined chunking of files (§15.5). */
  readonly chunkMinBytes: number;
  readonly chunkAvgBytes: number;
  readonly chunkMaxBytes: number;
  /** A full tree checkpoint at least every N snapshots of a chain. */
  readonly checkpointEvery: number;
  /** ... or when the changes since the checkpoint exceed this fraction of the tree. */
  readonly checkpointChangeRatio: number;
}

const V1_KEYS = ['frameTargetBytes', 'packTargetBytes', 'compressionLevel', 'treeChunkEntries', 'checkpointEvery', 'checkpointChangeRatio'] as const;
const V2_KEYS = [
  'frameTargetBytes',
  'packTargetBytes',
  'compressionLevel',
  'dictionaryBytes',
  'chunkMinBytes',
  'chunkAvgBytes',
  'chunkMaxBytes',
  'treeChunkRows',
  'checkpointEvery',
  'checkpointChangeRatio',
] as const;

export const DEFAULT_PARAMS_V1: RepoParams = {
  frameTargetBytes: 512 * 1024,
  packTargetBytes: 8 * 1024 * 1024,
  compressionLevel: 3,
  treeChunkEntries: 4096,
  treeChunkRows: 4096,
  dictionaryBytes: 65536,
  chunkMinBytes: 512 * 1024,
  chunkAvgBytes: 1024 * 1024,
  chunkMaxBytes: 8 * 1024 * 1024,
  checkpointEvery: 16,
  checkpointChangeRatio: 0.2,
};

export const DEFAULT_PARAMS_V2: RepoParams = {
  ...DEFAULT_PARAMS_V1,
  frameTargetBytes: 64 * 1024,
  packTargetBytes: 16 * 1024 * 1024,
};

/** The defaults of what `init` writes. */
export const DEFAULT_PARAMS: RepoParams = DEFAULT_PARAMS_V2;

export function defaultParams(version: 1 | 2): RepoParams {
  return version === 1 ? DEFAULT_PARAMS_V1 : DEFAULT_PARAMS_V2;
}

export function newConfig(params: Partial<RepoParams> = {}, now = new Date(), version: 1 | 2 = FORMAT_VERSION as 2): RepoConfig {
  const merged = { ...defaultParams(version), ...params };
  validateParams(merged, 'init');
  return { format: FORMAT_NAME, version, id: randomBytes(16).toString('hex'), created: now.toISOString(), params: merged };
}

/** Ranges a reader accepts: values outside them would break the u32 fields of packs or make no sense. */
const PARAM_RANGES: Readonly<Record<keyof RepoParams, readonly [number, number]>> = {
  frameTargetBytes: [1024, 64 * 1024 * 1024],
  packTargetBytes: [4096, 1024 * 1024 * 1024],
  compressionLevel: [-7, 22],
  treeChunkEntries: [2, 1_000_000],
  treeChunkRows: [2, 1_000_000],
  dictionaryBytes: [0, 16 * 1024 * 1024],
  chunkMinBytes: [64, 64 * 1024 * 1024],
  chunkAvgBytes: [256, 128 * 1024 * 1024],
  chunkMaxBytes: [1024, 256 * 1024 * 1024],
  checkpointEvery: [1, 1000],
  checkpointChangeRatio: [0, 1],
};

function validateParams(params: RepoParams, location: string): void {
  for (const [name, [min, max]] of Object.entries(PARAM_RANGES) as [keyof RepoParams, readonly [number, number]][]) {
    const value = params[name];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new EngineError('INVALID_SETTINGS', { reason: `repository config at ${location}: ${name} must be between ${min} and ${max}` });
    }
  }
  if (!(params.chunkMinBytes <= params.chunkAvgBytes && params.chunkAvgBytes <= params.chunkMaxBytes)) {
    throw new EngineError('INVALID_SETTINGS', { reason: `repository config at ${location}: chunk sizes must satisfy min ≤ avg ≤ max` });
  }
}

/** The config file's bytes: only the parameters of its version are written. */
export function encodeConfig(config: RepoConfig): Buffer {
  const keys = config.version === 1 ? V1_KEYS : V2_KEYS;
  const params: Record<string, number> = {};
  for (const k of keys) params[k] = config.params[k];
  const out: Record<string, unknown> = { format: config.format, version: config.version, id: config.id, created: config.created };
  if (config.migrated) out['migrated'] = config.migrated;
  out['params'] = params;
  return Buffer.from(JSON.stringify(out, null, 2) + '\n', 'utf8');
}

export function parseConfig(bytes: Buffer, location: string): RepoConfig {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new EngineError('REPO_MARKER_MISSING', { location });
  }
  if (typeof value !== 'object' || value === null) throw new EngineError('REPO_MARKER_MISSING', { location });
  const v = value as Record<string, unknown>;
  if (v['format'] !== FORMAT_NAME) throw new EngineError('REPO_MARKER_MISSING', { location });
  const version = v['version'];
  if (version !== 1 && version !== 2) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: String(version) });
  if (typeof v['id'] !== 'string' || !/^[0-9a-f]{32}$/.test(v['id'])) throw new EngineError('REPO_MARKER_MISSING', { location });
  const params = { ...defaultParams(version), ...(typeof v['params'] === 'object' && v['params'] !== null ? (v['params'] as Partial<RepoParams>) : {}) };
  validateParams(params, location);
  const migrated = typeof v['migrated'] === 'string' ? v['migrated'] : undefined;
  return { format: FORMAT_NAME, version, id: v['id'], created: String(v['created'] ?? ''), ...(migrated ? { migrated } : {}), params };
}

export async function readConfig(backend: Backend): Promise<RepoConfig> {
  try {
    return parseConfig(await backend.read({ kind: 'config', name: 'config' }), backend.location);
  } catch (err) {
    if (isEngineError(err, 'NOT_FOUND')) throw new EngineError('REPO_MARKER_MISSING', { location: backend.location });
    throw err;
  }
}
