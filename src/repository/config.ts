/**
 * `config`: the only plaintext file besides key slots. It is the repository marker (a destination without it
 * is never written to) and holds the parameters a reader needs. No secrets.
 */
import { randomBytes } from 'node:crypto';
import type { Backend } from '../backend/types.js';
import { EngineError, isEngineError } from '../shared/errors.js';

export const FORMAT_NAME = 'clinic-backup-repository';
export const FORMAT_VERSION = 1;

export interface RepoConfig {
  readonly format: typeof FORMAT_NAME;
  readonly version: number;
  /** 32 hex characters (128 random bits). */
  readonly id: string;
  readonly created: string;
  readonly params: RepoParams;
}

export interface RepoParams {
  /** Target uncompressed bytes per frame (frames are compressed and sealed independently). */
  readonly frameTargetBytes: number;
  /** Target stored bytes per pack file. */
  readonly packTargetBytes: number;
  /** zstd level (brotli quality is derived when zstd is unavailable). */
  readonly compressionLevel: number;
  /** Entries per tree chunk of a checkpoint. */
  readonly treeChunkEntries: number;
  /** A full tree checkpoint at least every N snapshots of a chain. */
  readonly checkpointEvery: number;
  /** ... or when the changes since the checkpoint exceed this fraction of the tree. */
  readonly checkpointChangeRatio: number;
}

export const DEFAULT_PARAMS: RepoParams = {
  frameTargetBytes: 512 * 1024,
  packTargetBytes: 8 * 1024 * 1024,
  compressionLevel: 3,
  treeChunkEntries: 4096,
  checkpointEvery: 16,
  checkpointChangeRatio: 0.2,
};

export function newConfig(params: Partial<RepoParams> = {}, now = new Date()): RepoConfig {
  const merged = { ...DEFAULT_PARAMS, ...params };
  validateParams(merged, 'init');
  return { format: FORMAT_NAME, version: FORMAT_VERSION, id: randomBytes(16).toString('hex'), created: now.toISOString(), params: merged };
}

/** Ranges a reader accepts: values outside them would break the u32 fields of packs or make no sense. */
const PARAM_RANGES: Readonly<Record<keyof RepoParams, readonly [number, number]>> = {
  frameTargetBytes: [1024, 64 * 1024 * 1024],
  packTargetBytes: [4096, 1024 * 1024 * 1024],
  compressionLevel: [-7, 22],
  treeChunkEntries: [2, 1_000_000],
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
}

export function encodeConfig(config: RepoConfig): Buffer {
  return Buffer.from(JSON.stringify(config, null, 2) + '\n', 'utf8');
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
  if (v['version'] !== FORMAT_VERSION) throw new EngineError('REPO_VERSION_UNSUPPORTED', { version: String(v['version']) });
  if (typeof v['id'] !== 'string' || !/^[0-9a-f]{32}$/.test(v['id'])) throw new EngineError('REPO_MARKER_MISSING', { location });
  const params = { ...DEFAULT_PARAMS, ...(typeof v['params'] === 'object' && v['params'] !== null ? (v['params'] as Partial<RepoParams>) : {}) };
  validateParams(params, location);
  return { format: FORMAT_NAME, version: FORMAT_VERSION, id: v['id'], created: String(v['created'] ?? ''), params };
}

export async function readConfig(backend: Backend): Promise<RepoConfig> {
  try {
    return parseConfig(await backend.read({ kind: 'config', name: 'config' }), backend.location);
  } catch (err) {
    if (isEngineError(err, 'NOT_FOUND')) throw new EngineError('REPO_MARKER_MISSING', { location: backend.location });
    throw err;
  }
}
