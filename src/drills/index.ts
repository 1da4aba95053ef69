/** The drills module: restore drills into a sandbox, their validation, schedule and records (ARCHITECTURE.md §8). */
export { runDrill, signedInUser, DEFAULT_SAMPLE_SIZE } from './drill.js';
export { drillDue, DEFAULT_DRILL_SCHEDULE, DEFAULT_REMIND_DAYS_BEFORE, type DrillDue, type DrillDueOptions } from './schedule.js';
export { drillReportData, drillResult, recordedDrill, type DrillReportExtras } from './record.js';
export { validateRestore, localReference, type ValidationInput, type ValidationResult } from './validate.js';
export { seededSample, newSeed } from './sample.js';
export * from './types.js';
export { databaseDrill, filesDrill, type SourceDrillOutcome, type SourceDrillProof } from './sourceDrill.js';
