/** The public surface of src/source: the only file other modules import (ARCHITECTURE.md §3). */
export { findTool, openDump, postgresSpec, restorePostgresToNewDatabase, restoreSqliteFile, runCommand } from './db/index.js';
export type { DbCredentials, DbSource, DumpMeta, PostgresSource } from './db/index.js';
export { authProvider } from './fhir/auth.js';
export type { SourceAuth } from './fhir/auth.js';
export { probeCapabilities } from './fhir/capabilities.js';
export type { Capabilities } from './fhir/capabilities.js';
export { FhirHttp, NO_AUTH, displayUrl, operationOutcomeText } from './fhir/http.js';
export type { AuthProvider, RequestAccess } from './fhir/http.js';
export { readAllPages, resultEntries } from './fhir/paging.js';
export { bulkExportStrategy, historyStrategy, searchStrategy } from './fhir/strategies.js';
export type { StrategyName, StrategyRun } from './fhir/strategies.js';
export { foldCase, isUnchanged, nameChangeText, planFolderNames, readFileStable, walkFolders } from './files/index.js';
export type { FileEntry, FolderSpec, FsOps, NameChange, RestorePlatform, SourceProblem, TargetNameRules } from './files/index.js';

// ---- Public surface: what other modules of src/ use (kept by the layer rule; extend as needed).
export { dumpFailureCause, dumpTestProgressText, dumpTestText, testDump } from './db/index.js';
