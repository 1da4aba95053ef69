/** The public surface of src/shared: the only file other modules import (ARCHITECTURE.md §3). */
export { API, API_METHOD_NAMES, checkApiCall, isApiMethod } from './api.js';
export type { ApiArgs, ApiMethodName, ApiResult, CallResult } from './api.js';
export type {
  AddCopyRequest,
  AddCopyResult,
  AlertCheckResult,
  AppSettings,
  AuditLogEntry,
  BackupProblem,
  BackupResult,
  CheckResult,
  ConnectResult,
  ContactEntry,
  ContactRole,
  CopyOutcome,
  DatabaseBackupRequest,
  DatabaseBackupResult,
  DatabaseRestoreRequest,
  DatabaseRestoreResult,
  DatabaseSourceSetting,
  DesktopSettings,
  DestinationState,
  DetectedDestination,
  OffsiteProvider,
  AlertChannelHealth,
  OffsiteRegion,
  DoctorReportView,
  EngineEvent,
  ExtraSourceSetting,
  FhirRestoreResult,
  FileListEntry,
  FileListResult,
  FilesRestorePlanResult,
  FilesRestoreRequest,
  FilesRestoreResultSummary,
  FilesScopeRequest,
  FolderBackupRequest,
  FolderBackupResult,
  FolderListing,
  FolderRestorePlan,
  FolderRoot,
  ForgetResult,
  HeadlineAction,
  HeadlineLevel,
  HeadlinePoint,
  HealthState,
  HostInfo,
  IncidentInput,
  IncidentView,
  IndicatorView,
  InitRequest,
  InitResult,
  KeySlotSummary,
  PatientMatch,
  PatientSearchResult,
  PeopleSettings,
  RecoveryKitStatus,
  RecoveryKitWords,
  RepoStats,
  ResourceListResult,
  ResourceListing,
  ResourceOutcome,
  RestorePlan,
  RestoreResult,
  RestoreScopeRequest,
  RestoreToFolderRequest,
  RetentionSetting,
  RunWarning,
  ServerRestoreRequest,
  SnapshotSummary,
  SourceAuthSetting,
  SourceProbe,
  StatusAlert,
  StatusSummary,
  TaskInfo,
  TaskStatus,
  WeeklySummaryView,
} from './contract.js';
export type {
  DrillCheckOutcome,
  DrillChecks,
  DrillCopy,
  DrillCopyAttempt,
  DrillFailure,
  DrillFailureKind,
  DrillProblem,
  DrillProblemKind,
  DrillReport,
  DrillRunResult,
  DrillStatus,
  DrillSummary,
  DrillTypeResult,
  SourceDrillResult,
  Tier,
} from './drill.js';
export { ERROR_CODES, EngineError, errorSide, exitCodeFor, isAbortError, isEngineError, isIntegrityCode, isTransient, throwIfAborted } from './errors.js';
export type { ErrorCode, ErrorDetails, ErrorInfo, Result } from './errors.js';
export type { LongOperationOptions, OperationKind, ProgressEvent, ProgressListener } from './events.js';
export { Listeners } from './listeners.js';
export { ensurePrivateDir, openPrivateFile, tighten, writePrivateFile } from './privateFiles.js';
export type { DestinationConfig } from './settings.js';
export { editDistance } from './text.js';
// FHIR vocabulary with no I/O (the Patient compartment, the R4 type names): every layer reads it without loading the
// FHIR client, the folder walker and the database dumps of src/source (a one-patient restore compiles none of them).
export { patientCompartments, patientIdOfReference, referencesOf } from './fhirCompartment.js';
export { assertResourceTypes } from './fhirResourceTypes.js';

// ---- Public surface: what other modules of src/ use (kept by the layer rule; extend as needed).
export { FHIR_TYPE_NAMES, fhirTypeName } from './portable/fhirTypeNames.js';
export { DEFAULT_LOCALE, LOCALES } from './portable/locale.js';
export type { Locale } from './portable/locale.js';
export { formatMessage, messageArguments } from './portable/messageFormat.js';
export type { DatabaseDumpFailureCause, DatabaseDumpTestResult } from './contract.js';
export { DEFAULT_SHRINK_GUARD_PERCENT, TOOL_VERSION } from './defaults.js';
