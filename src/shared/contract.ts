/**
 * The one API contract every front end uses (CLI, serve, Electron IPC): plain data in and out.
 * Errors cross it as ErrorInfo values (see errors.ts), never as thrown objects.
 */

export interface InitRequest {
  /** Create a passphrase slot with this passphrase (headless servers, tests). */
  readonly passphrase?: string;
  /** Store a key slot secret in the OS keychain (default for the desktop app and CLI). */
  readonly useKeychain: boolean;
  /** Language of the printed recovery key words. */
  readonly recoveryLanguage?: 'pt-BR' | 'en';
}

export interface KeySlotSummary {
  readonly id: string;
  readonly kind: 'keychain' | 'passphrase' | 'recovery';
  readonly name: string;
  readonly created: string;
  readonly host: string;
}

export interface InitResult {
  readonly repoId: string;
  readonly location: string;
  readonly slots: readonly KeySlotSummary[];
  /** The recovery key, lines of words, shown once to be printed. Null when no recovery slot was made. */
  readonly recoveryKey: readonly (readonly string[])[] | null;
}

export interface SnapshotSummary {
  readonly id: string;
  readonly shortId: string;
  readonly time: string;
  readonly hostname: string;
  readonly source: { readonly kind: string; readonly location: string; readonly strategy: string };
  readonly mode: 'full' | 'incremental';
  readonly parent: string | null;
  readonly serverTransactionTime: string | null;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly added: number;
  readonly changed: number;
  readonly deleted: number;
  readonly storedBytesAdded: number;
  readonly partial: boolean;
  readonly problemCount: number;
  readonly tags: readonly string[];
}

export interface BackupProblem {
  readonly code: string;
  readonly file?: string;
  readonly line?: number;
  readonly reason?: string;
}

export interface BackupResult {
  readonly snapshot: SnapshotSummary;
  readonly durationMs: number;
  readonly problems: readonly BackupProblem[];
}

export interface CheckProblemSummary {
  readonly code: string;
  readonly file: string;
  readonly reason: string;
  readonly snapshots: readonly string[];
  readonly resources: readonly string[];
}

export interface CheckResult {
  readonly ok: boolean;
  readonly problems: readonly CheckProblemSummary[];
  readonly stats: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

export interface RestoreToFolderRequest {
  readonly snapshot: string;
  readonly target: string;
  readonly types?: readonly string[];
  readonly patient?: string;
  readonly overwrite?: boolean;
  /** Explicit confirmation; without it nothing is written. */
  readonly confirmed: boolean;
}

export interface RestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly bytesRead: number;
  readonly failures: readonly { readonly resource: string; readonly code: string; readonly file?: string }[];
  readonly durationMs: number;
}

export interface RepoStats {
  readonly repoId: string;
  readonly location: string;
  readonly snapshots: number;
  readonly packs: number;
  readonly blobs: number;
  readonly storedBytes: number;
  /** Sum of resource bytes in the latest snapshot. */
  readonly latestBytes: number;
  /** Resource bytes of the latest snapshot / bytes stored for the whole repository. */
  readonly compressionRatio: number;
  readonly byKind: Readonly<Record<string, { readonly files: number; readonly bytes: number }>>;
  readonly codec: string;
}
