/** The worker pool: CPU-heavy stages of backups, restores and checks off the host's event loop. */
export { backgroundPoolSize, defaultPoolSize, parentBackupPoolSize, WorkerPool } from './pool.js';
export { buildLineTable, findLine, keyHash, type LineTable } from './tables.js';
export { analyseLines, decodeLines, LineStatus, ProblemCode, type LineRecord, type OpenItem, type OpenResult, type SealedBlob, type SealedChunk, type SealItem, type TaskKeys } from './tasks.js';
export { decodeBatchMeta, type BatchFrame, type BatchMeta, type BatchOptions, type BatchOutput, type BatchTypeStat } from './batchTask.js';
export { FRAMES_PER_BATCH, type SpillRow } from './rowRecords.js';
export { poolOpener, type PoolOpener } from './opener.js';

// ---- Public surface: what other modules of src/ use (kept by the layer rule; extend as needed).
export { MAX_ROW_RECORD, compareSpillRows, decodeSpillRow } from './rowRecords.js';
export { KEY_WORDS, keyLess, sortKeyRecords } from './keyRecords.js';
export { compareEncoded, scanRecord } from './rowRecords.js';
export type { FrameTable, TreeChunkOut } from './treeChunk.js';
