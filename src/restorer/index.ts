/** The public surface of src/restorer: the only file other modules import (ARCHITECTURE.md §3). */
export { compareNdjsonFolders } from './compareNdjson.js';
export type { NdjsonComparison } from './compareNdjson.js';
export { executeFhirRestore, planFhirRestore, sameContent } from './fhirTarget.js';
export type { FhirRestoreExecution, FhirRestoreOptions } from './fhirTarget.js';
export { locatePath, planFilesRestore, restoreFiles } from './filesTarget.js';
export type { FilesRestorePlan } from './filesTarget.js';
export { listResources } from './listing.js';
export { restoreToNdjson, selectRows } from './ndjsonTarget.js';
export type { SelectedRow } from './ndjsonTarget.js';
export { PatientDirectory } from './patients.js';
export { assertPatientExists, checkTypesInSnapshot, resolveSnapshot } from './select.js';
export { selectForRestore } from './selection.js';
