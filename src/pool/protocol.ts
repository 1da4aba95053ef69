/** Messages between the pool and its workers. */
export interface CtxMessage {
  readonly op: 'ctx';
  readonly id: number;
  readonly keys: { readonly data: Uint8Array; readonly blobId: Uint8Array; readonly line: Uint8Array };
  readonly table: { readonly words: SharedArrayBuffer | ArrayBuffer; readonly buckets: SharedArrayBuffer | ArrayBuffer; readonly count: number } | null;
}

export type ToWorker =
  | CtxMessage
  | { readonly op: 'dropCtx'; readonly id: number }
  | { readonly op: 'dict'; readonly id: string; readonly content: Uint8Array }
  | { readonly op: 'crash' }
  | { readonly op: 'task'; readonly seq: number; readonly name: string; readonly ctx: number; readonly payload: unknown };

export type FromWorker =
  | { readonly seq: number; readonly ok: true; readonly result: unknown }
  | { readonly seq: number; readonly ok: false; readonly error: { readonly code: string | null; readonly message: string; readonly details: unknown } };
