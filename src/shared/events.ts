/** Progress of long operations, emitted by the engine and rendered by every front end. */
export type OperationKind = 'backup' | 'check' | 'restore' | 'replicate' | 'prune' | 'drill' | 'rebuild' | 'repair' | 'report' | 'migrate';

export interface ProgressEvent {
  readonly type: 'progress';
  readonly op: OperationKind;
  /** Short machine name of the current phase, e.g. "download", "pack", "commit". */
  readonly phase: string;
  readonly done: number;
  /** Total units when known (resources, files or bytes: see unit). */
  readonly total?: number;
  /** "minutes": time spent so far, e.g. waiting for a server to prepare an export. */
  readonly unit: 'resources' | 'files' | 'bytes' | 'steps' | 'minutes';
  readonly bytes?: number;
  /** Optional subject, e.g. a resource type or file name. Never a secret. */
  readonly subject?: string;
  /** The task this progress belongs to (set by the engine's task manager). */
  readonly taskId?: string;
  /** What is being done, in plain words (the engine's language). */
  readonly text?: string;
  /** Bytes per second over the current phase, when bytes are counted. */
  readonly bytesPerSecond?: number;
  /** Time left in the current phase, when the total is known and the pace is measurable. */
  readonly etaMs?: number;
  /**
   * Set while the server the phase reads from has not answered for some seconds (no progress at all): the text
   * then says "o servidor não responde" instead of what the phase would be doing. Cleared by the next real event.
   */
  readonly stalledMs?: number;
}

export type ProgressListener = (event: ProgressEvent) => void;

/** Options every long operation accepts (ARCHITECTURE.md §12.4). */
export interface LongOperationOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressListener;
}
