/** The public surface of src/archiver: the only file other modules import (ARCHITECTURE.md §3). */
export { Archiver, DEFAULT_SHRINK_GUARD_PERCENT, TOOL_VERSION, dedupParent } from './archiver.js';
export { backupDatabase, databaseLocation } from './dbBackup.js';
export { backupFhir } from './fhirBackup.js';
export { backupFolders, folderParent } from './filesBackup.js';
export { migrateRepository } from './migrate.js';
export type { MigrateResult } from './migrate.js';
export { listNdjsonInputs, readNdjsonChunks, readNdjsonFile } from './ndjson.js';
