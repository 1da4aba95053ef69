import { EngineError } from '../shared/index.js';
import type { Backend, ByteRange, Capacity, FileInfo, FileKind, FileRef, WriteOptions } from './types.js';

/** Opens a destination for reading only (restore, check, drills): writes and deletes throw DEST_READONLY. */
export class ReadOnlyBackend implements Backend {
  readonly inner: Backend;

  constructor(inner: Backend) {
    this.inner = inner;
  }

  get location(): string {
    return this.inner.location;
  }

  list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    return this.inner.list(kind, signal);
  }

  stat(ref: FileRef, signal?: AbortSignal): Promise<FileInfo | null> {
    return this.inner.stat(ref, signal);
  }

  read(ref: FileRef, range?: ByteRange, signal?: AbortSignal): Promise<Buffer> {
    return this.inner.read(ref, range, signal);
  }

  async write(_ref: FileRef, _data: Buffer, _options?: WriteOptions, _signal?: AbortSignal): Promise<void> {
    throw new EngineError('DEST_READONLY', { location: this.location });
  }

  async delete(_ref: FileRef, _signal?: AbortSignal): Promise<void> {
    throw new EngineError('DEST_READONLY', { location: this.location });
  }

  capacity(signal?: AbortSignal): Promise<Capacity | null> {
    return this.inner.capacity(signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
