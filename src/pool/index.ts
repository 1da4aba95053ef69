/** The worker pool: CPU-heavy stages of backups, restores and checks off the host's event loop. */
export { defaultPoolSize, WorkerPool } from './pool.js';
export { buildLineTable, findLine, keyHash, type LineTable } from './tables.js';
export { analyseLines, decodeLines, LineStatus, ProblemCode, type LineRecord, type OpenItem, type OpenResult, type SealedBlob, type SealItem, type TaskKeys } from './tasks.js';
export { poolOpener, type PoolOpener } from './opener.js';
