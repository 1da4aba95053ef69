/** Printable reports (HTML and PDF, pt-BR and en): recovery kit, drill report, DR plan, compliance summary. */
export { recoveryKitDocument, recoveryKitHtml, recoveryKitPdf, resolveRecoveryKey, type RecoveryKitData, type RecoveryKitLocation } from './recoveryKit.js';
export { parseRecoveryQrPayload, recoveryQrPayload, RECOVERY_QR_PREFIX, type RecoveryQrContent } from './recoveryQr.js';
export {
  DRILL_FAILURE_KINDS,
  drillReportDocument,
  drillReportHtml,
  drillReportPdf,
  drillTimeChecks,
  type DrillCheckOutcome,
  type DrillChecks,
  type DrillFailure,
  type DrillFailureKind,
  type DrillReportData,
  type DrillReportStatus,
  type DrillTimeCheck,
  type DrillTypeResult,
} from './drillReport.js';
export { isSourceDrillReport, sourceDrillReportDocument, sourceDrillReportHtml, sourceDrillReportPdf, type SourceDrillProofData, type SourceDrillReportData } from './sourceDrillReport.js';
export {
  DR_SCENARIOS,
  drPlanDocument,
  drPlanGaps,
  drPlanHtml,
  drPlanPdf,
  type DrPlanContact,
  type DrPlanData,
  type DrPlanDestination,
  type DrPlanSchedule,
  type DrPlanSource,
  type DrPlanTask,
  type DrScenario,
} from './drPlan.js';
export {
  complianceDocument,
  complianceFindings,
  complianceHtml,
  compliancePdf,
  compliancePeriod,
  type ComplianceAlert,
  type ComplianceData,
  type ComplianceDestination,
  type ComplianceDrill,
  type ComplianceFinding,
  type ComplianceIncident,
  type ComplianceKeySlot,
  type FindingArea,
  type FindingLevel,
  type ResidencyStatus,
} from './compliance.js';
export { renderHtml, escapeHtml } from './html.js';
export { renderPdf, isWinAnsiText, toWinAnsi, type PdfFontChoice, type PdfFontFiles, type PdfOptions } from './pdf.js';
export type { Block, Cell, Column, Fact, ListItem, ReportDocument, Tone } from './document.js';

// ---- Public surface: what other modules of src/ use (kept by the layer rule; extend as needed).
export { complianceDataOf, drPlanDataOf } from './configurationData.js';
export { gatherConfigurationFacts } from './configurationFacts.js';
