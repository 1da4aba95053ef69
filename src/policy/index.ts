/** The public surface of src/policy: the only file other modules import (ARCHITECTURE.md §3). */
export { copiesStatus } from './copies.js';
export { FieldValidationError } from './fieldErrors.js';
export { headlineOf } from './headline.js';
export { DEFAULT_RPO_MS, formatZonedTime, kpisOf } from './health.js';
export { anpdDeadline, incidentClock } from './incidents.js';
export { INDICATOR_WINDOW_DAYS, findIndicator, indicatorsOf } from './indicators.js';
export type { Indicator, IndicatorFacts, IndicatorId, RunFact, TierPoints } from './indicators.js';
export { KPI_TARGETS, withinObjective } from './kpis.js';
export { DEFAULT_LEGAL_FLOOR_YEARS, applyRetention, assertForgetAllowed, explainForget, validateRetentionPolicy } from './retention.js';
export type { RetentionPolicy } from './retention.js';
export { SCHEDULE_PRESETS, timeZoneOf, validateSchedulePolicy } from './schedule.js';
export type { IntervalSchedule, SchedulePolicy, SchedulePresetName } from './schedule.js';
export { DEFAULT_SCHEDULES, EARLY_RETENTION_PERCENT, defaultRetention, inZone, retentionSettingOf, settingsProblems, sourceOptions, verificationSlices } from './settings.js';
export { LAYER_TARGETS, TIERS, TIER_TARGETS, TIER_TYPES, restoreOrder, targetsOf, tierOf } from './tiers.js';
export type { RecoveryTargets, Tier } from './tiers.js';
export { DEFAULT_TIME_ZONE, addDays, addMonths, daysInMonth, isValidTimeZone, localParts, localToInstant, parseClockTime, weekdayOf } from './zonedTime.js';
export type { LocalDate } from './zonedTime.js';
