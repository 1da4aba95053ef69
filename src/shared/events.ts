/** Progress of long operations, emitted by the engine and rendered by every front end. */
export type OperationKind = 'backup' | 'check' | 'restore' | 'replicate' | 'prune' | 'drill' | 'rebuild' | 'migrate';

export interface ProgressEvent {
  readonly type: 'progress';
  readonly op: OperationKind;
  /** Short machine name of the current phase, e.g. "download", "pack", "commit". */
  readonly phase: string;
  readonly done: number;
  /** Total units when known (resources, files or bytes: see unit). */
  readonly total?: number;
  readonly unit: 'resources' | 'files' | 'bytes' | 'steps';
  readonly bytes?: number;
  /** Optional subject, e.g. a resource type or file name. Never a secret. */
  readonly subject?: string;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Options every long operation accepts (ARCHITECTURE.md §12.4). */
export interface LongOperationOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}
