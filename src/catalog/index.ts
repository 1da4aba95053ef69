/** The public surface of src/catalog: the only file other modules import (ARCHITECTURE.md §3). */
export { verifyStoredAuditChain } from './auditTrail.js';
export type { JsonValue } from './canonicalJson.js';
export type { Catalog } from './catalog.js';
export type { IncidentRecord, IncidentRecordInput } from './catalogEvents.js';
export { mirrorAudit, openRepositoryCatalog, refreshSnapshotCache, storedCopiesOf } from './sync.js';
export type { AlertParams, AlertRecord, AlertSeverity, AuditVerification, DestinationKind, DrillRecord, DrillResult, FinishedStatus, RunCounts, RunStatus } from './types.js';
