/** The doctor (ARCHITECTURE.md §2): the SOP-019 §9 troubleshooting checklist as code. */
export { runDoctor, DEFAULT_DOCTOR_LIMITS } from './doctor.js';
export { renderDoctorCheck, type RenderedCheck } from './render.js';
export { s3BucketRegion } from './destination.js';
export type {
  DoctorCheck,
  DoctorCheckId,
  DoctorDeps,
  DoctorDestinationInput,
  DoctorInput,
  DoctorLimits,
  DoctorLocalDestination,
  DoctorParams,
  DoctorReport,
  DoctorS3Destination,
  DoctorScheduleInput,
  DoctorSecretStoreInput,
  DoctorSeverity,
  DoctorSourceInput,
  DoctorStatus,
} from './types.js';
