/**
 * What a restore to a folder runs, and nothing else: choosing the snapshot and the rows (one patient, some types)
 * and writing NDJSON. src/engine/restoreFolder.ts loads this file with import() instead of the restorer's surface
 * (index.ts), which also compiles the FHIR-server restore, the folder-source restore and the comparison with the
 * archiver they use: a one-patient restore from the command line compiles about 50 modules fewer.
 */
export { restoreToNdjson, selectRows } from './ndjsonTarget.js';
export { assertPatientExists, checkTypesInSnapshot, resolveSnapshot } from './select.js';
export { selectForRestore } from './selection.js';
