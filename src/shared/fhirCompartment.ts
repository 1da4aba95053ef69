/**
 * The Patient compartment (FHIR R4 CompartmentDefinition "patient"): which patients a resource belongs to.
 * Each type lists the elements behind the compartment's search parameters; a reference to Patient/<id>
 * in any of them puts the resource in that patient's compartment. A resource can belong to several.
 */

/** Element paths per type, from the R4 definition's search parameters (dots walk into arrays too). */
export const PATIENT_COMPARTMENT: Readonly<Record<string, readonly string[]>> = {
  Account: ['subject'],
  AdverseEvent: ['subject'],
  AllergyIntolerance: ['patient', 'recorder', 'asserter'],
  Appointment: ['participant.actor'],
  AppointmentResponse: ['actor'],
  AuditEvent: ['agent.who', 'entity.what'],
  Basic: ['subject', 'author'],
  BodyStructure: ['patient'],
  CarePlan: ['subject', 'activity.detail.performer'],
  CareTeam: ['subject', 'participant.member'],
  ChargeItem: ['subject'],
  Claim: ['patient', 'payee.party'],
  ClaimResponse: ['patient'],
  ClinicalImpression: ['subject'],
  Communication: ['subject', 'sender', 'recipient'],
  CommunicationRequest: ['subject', 'sender', 'recipient', 'requester'],
  Composition: ['subject', 'author', 'attester.party'],
  Condition: ['subject', 'asserter'],
  Consent: ['patient'],
  Coverage: ['policyHolder', 'subscriber', 'beneficiary', 'payor'],
  CoverageEligibilityRequest: ['patient'],
  CoverageEligibilityResponse: ['patient'],
  DetectedIssue: ['patient'],
  DeviceRequest: ['subject', 'performer'],
  DeviceUseStatement: ['subject'],
  DiagnosticReport: ['subject'],
  DocumentManifest: ['subject', 'author', 'recipient'],
  DocumentReference: ['subject', 'author'],
  Encounter: ['subject'],
  EnrollmentRequest: ['candidate'],
  EpisodeOfCare: ['patient'],
  ExplanationOfBenefit: ['patient', 'payee.party'],
  FamilyMemberHistory: ['patient'],
  Flag: ['subject'],
  Goal: ['subject'],
  Group: ['member.entity'],
  ImagingStudy: ['subject'],
  Immunization: ['patient'],
  ImmunizationEvaluation: ['patient'],
  ImmunizationRecommendation: ['patient'],
  Invoice: ['subject', 'recipient'],
  List: ['subject', 'source'],
  MeasureReport: ['subject'],
  Media: ['subject'],
  MedicationAdministration: ['subject', 'performer.actor'],
  MedicationDispense: ['subject', 'receiver'],
  MedicationRequest: ['subject'],
  MedicationStatement: ['subject'],
  MolecularSequence: ['patient'],
  NutritionOrder: ['patient'],
  Observation: ['subject', 'performer'],
  Patient: ['link.other'],
  Person: ['link.target'],
  Procedure: ['subject', 'performer.actor'],
  Provenance: ['target'],
  QuestionnaireResponse: ['subject', 'author'],
  RelatedPerson: ['patient'],
  RequestGroup: ['subject', 'action.participant'],
  ResearchSubject: ['individual'],
  RiskAssessment: ['subject'],
  Schedule: ['actor'],
  ServiceRequest: ['subject', 'performer'],
  Specimen: ['subject'],
  SupplyDelivery: ['patient'],
  SupplyRequest: ['requester'],
  VisionPrescription: ['patient'],
};

const PATIENT_REF = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** The patient id a reference string points to, or null. */
export function patientIdOfReference(reference: string): string | null {
  const m = PATIENT_REF.exec(reference);
  return m ? (m[1] as string) : null;
}

function collect(value: unknown, path: readonly string[], out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) collect(v, path, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  if (path.length === 0) {
    const ref = obj['reference'];
    if (typeof ref === 'string') {
      const id = patientIdOfReference(ref);
      if (id) out.add(id);
    }
    return;
  }
  collect(obj[path[0] as string], path.slice(1), out);
}

/** Ids of the patients whose compartment holds this resource (a Patient belongs to its own). */
export function patientCompartments(resource: Record<string, unknown>): string[] {
  const type = resource['resourceType'];
  if (typeof type !== 'string') return [];
  const out = new Set<string>();
  if (type === 'Patient' && typeof resource['id'] === 'string') out.add(resource['id']);
  for (const path of PATIENT_COMPARTMENT[type] ?? []) collect(resource, path.split('.'), out);
  return [...out];
}

/** Every reference string in a resource ("Type/id" form only, relative or absolute), for dangling-reference checks. */
export function referencesOf(resource: unknown, out: string[] = []): string[] {
  if (Array.isArray(resource)) {
    for (const v of resource) referencesOf(v, out);
  } else if (typeof resource === 'object' && resource !== null) {
    for (const [k, v] of Object.entries(resource)) {
      if (k === 'reference' && typeof v === 'string') out.push(v);
      else referencesOf(v, out);
    }
  }
  return out;
}
