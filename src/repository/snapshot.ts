/**
 * Snapshot manifests (snapshots/<id>): the commit point of a backup. Everything a snapshot references
 * (packs, index entries, tree blobs) is written before it; until the snapshot file exists, a run is invisible.
 */
import type { AttachmentsRef } from './attachments.js';
import type { FilesTreeRef } from './fileTree.js';
import type { ResourceTreeRef } from './resourceTree.js';
import type { TreeRef } from './tree.js';

export interface SnapshotSource {
  /** "ndjson" for files, "fhir" for a server; version 2 also "files" (folders) and "database" (dumps). */
  readonly kind: 'ndjson' | 'fhir' | 'files' | 'database';
  /** Path or base URL, without credentials (files and databases: a label). */
  readonly location: string;
  /** How the data was read: "files", "bulk-export", "history", "search". */
  readonly strategy?: string;
  /** files: the folders backed up, in the order of the root node's entries. */
  readonly paths?: readonly string[];
  /** database: postgresql, mysql, firebird, sqlite. */
  readonly engine?: string;
  /** database: its name (never credentials). */
  readonly database?: string;
}

export interface SnapshotProblem {
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly reason?: string;
}

/** What both format versions' manifests hold (everything but the tree). */
export interface SnapshotManifestBase {
  readonly version: 1 | 2;
  readonly time: string;
  readonly hostname: string;
  readonly username: string;
  readonly toolVersion: string;
  readonly parent: string | null;
  readonly source: SnapshotSource;
  /** The server's transactionTime of the export this snapshot came from (server clock), for the next _since. */
  readonly serverTransactionTime: string | null;
  /** "full": the input listed everything; "incremental": only changes since the parent. */
  readonly mode: 'full' | 'incremental';
  readonly counts: Readonly<Record<string, number>>;
  readonly totals: {
    readonly resources: number;
    /** Sum of resource sizes in this snapshot. */
    readonly bytes: number;
    readonly added: number;
    readonly changed: number;
    readonly deleted: number;
    readonly unchanged: number;
    /** New blobs written by this run and their raw bytes. */
    readonly newBlobs: number;
    readonly newBlobBytes: number;
    /** Bytes of new files stored in the repository by this run (packs and index; the snapshot file itself excluded). */
    readonly storedBytesAdded: number;
  };
  /** True when some input could not be read; problems lists them (bounded). */
  readonly partial: boolean;
  readonly problems: readonly SnapshotProblem[];
  readonly problemCount: number;
  readonly tags: readonly string[];
  /** Attachment content fetched from the source (attachments.ts, docs/format.md §16); absent or null when there were none. */
  readonly attachments?: AttachmentsRef | null;
  /** Resource types the source could not be read for (refused searches, paging that gave out): kept from the parent. */
  readonly notCovered?: readonly { readonly type: string; readonly code: string; readonly status?: number; readonly reason?: string }[];
  /** What the run should tell the clinic although it succeeded (codes with details; text from i18n). */
  readonly warnings?: readonly SnapshotWarning[];
  /**
   * Optional fields (docs/format.md §13.4); readers that do not know them may ignore them.
   * Set by `repair snapshots` on the successor of a damaged snapshot (which is kept, never rewritten).
   */
  readonly repairedFrom?: string;
  readonly repairedAt?: string;
  /** Every resource ("Type/id") of the original whose data could not be read. */
  readonly lost?: readonly string[];
  /** Parts of the original's listing that could not be read (type null: unknown types). */
  readonly lostListing?: readonly { readonly type: string | null; readonly resources: number | null }[];
  /** Shrink guard: far fewer resources than the previous snapshot of the same source. */
  readonly suspicious?: SuspiciousShrink;
}

export interface SnapshotWarning {
  readonly code: string;
  readonly details: Readonly<Record<string, string | number>>;
}

/** Why a snapshot is marked suspicious: its resource count fell by more than the threshold. */
export interface SuspiciousShrink {
  /** The previous snapshot of the same source. */
  readonly previous: string;
  readonly previousResources: number;
  readonly resources: number;
  /** Fall in percent (one decimal). */
  readonly dropPercent: number;
  readonly thresholdPercent: number;
}

/** A version 1 manifest (docs/format-v1.md). */
export interface SnapshotManifestV1 extends SnapshotManifestBase {
  readonly version: 1;
  readonly tree: TreeRef;
}

/** A version 2 manifest (docs/format.md §13.2). */
export interface SnapshotManifestV2 extends SnapshotManifestBase {
  readonly version: 2;
  readonly tree: ResourceTreeRef | FilesTreeRef;
  /** Resource type → dictionary blob id (32 hex) the writer used. */
  readonly dictionaries: Readonly<Record<string, string>>;
  /** migrate: the version 1 snapshot this one was converted from. */
  readonly migratedFrom?: string;
}

export type SnapshotManifest = SnapshotManifestV1 | SnapshotManifestV2;

export interface SnapshotRecord {
  readonly id: string;
  readonly manifest: SnapshotManifest;
}

export const MAX_RECORDED_PROBLEMS = 200;
