/** What `check` reports, for both format versions. */
import type { ErrorCode, LongOperationOptions } from '../shared/index.js';

export interface CheckOptions extends LongOperationOptions {
  /** Read and verify every pack. */
  readonly readData?: boolean;
  /** Read and verify slice n of m (1-based), e.g. {n: 1, m: 10}. */
  readonly readDataSubset?: { readonly n: number; readonly m: number };
}

export interface CheckProblem {
  readonly code: ErrorCode;
  /** Repository-relative file path, e.g. data/ab/ab12…. */
  readonly file: string;
  readonly reason: string;
  /** Snapshot ids affected (full ids). */
  readonly snapshots: string[];
  /** The first resources ("Type/id") whose data is affected (at most 20; resourceCount says how many in all). */
  readonly resources: string[];
  /** How many resources are affected in all. */
  resourceCount: number;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly problems: CheckProblem[];
  readonly stats: {
    snapshots: number;
    indexFiles: number;
    packs: number;
    packsRead: number;
    blobs: number;
    bytesRead: number;
    unreferencedPacks: number;
  };
}

/** Deterministic subset selection: a pack is in slice n of m by the first 32 bits of its id. */
export function inSubset(packId: string, n: number, m: number): boolean {
  return parseInt(packId.slice(0, 8), 16) % m === n - 1;
}
