/** Which patient a resource belongs to (its compartment), for the sandbox's patient-level export and tests. */

/**
 * Search parameters (as element names) that put a resource in the Patient compartment, from the FHIR R4
 * CompartmentDefinition "patient" for the types we generate and a few common others. The first one that
 * holds a Patient reference wins.
 */
const COMPARTMENT_PATHS: Record<string, readonly string[]> = {
  Encounter: ['subject'],
  Observation: ['subject', 'performer'],
  Condition: ['subject', 'asserter'],
  MedicationRequest: ['subject'],
  AllergyIntolerance: ['patient', 'recorder', 'asserter'],
  Procedure: ['subject', 'performer'],
  Immunization: ['patient'],
  DiagnosticReport: ['subject'],
  CarePlan: ['subject', 'performer'],
  CareTeam: ['subject', 'participant'],
  Claim: ['patient', 'payee'],
  ExplanationOfBenefit: ['patient', 'payee'],
  Coverage: ['policyHolder', 'subscriber', 'beneficiary', 'payor'],
  DocumentReference: ['subject', 'author'],
  ImagingStudy: ['subject'],
  MedicationAdministration: ['subject', 'performer'],
  MedicationStatement: ['subject'],
  MedicationDispense: ['subject', 'performer', 'receiver'],
  Goal: ['subject'],
  Device: ['patient'],
  Provenance: ['target', 'agent'],
  ServiceRequest: ['subject', 'performer'],
  QuestionnaireResponse: ['subject', 'author'],
  RelatedPerson: ['patient'],
  Specimen: ['subject'],
  SupplyDelivery: ['patient'],
  FamilyMemberHistory: ['patient'],
  RiskAssessment: ['subject'],
  DetectedIssue: ['patient'],
  Composition: ['subject', 'author', 'attester'],
  Appointment: ['participant'],
};

/** The Patient id of a reference string ("Patient/x", ".../Patient/x", "Patient/x/_history/2"), else null. */
export function patientIdOfReference(ref: string): string | null {
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
  return m ? (m[1] ?? null) : null;
}

function patientInValue(value: unknown, depth = 0): string | null {
  if (depth > 3 || typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (const v of value) {
      const p = patientInValue(v, depth + 1);
      if (p) return p;
    }
    return null;
  }
  const o = value as Record<string, unknown>;
  const ref = o['reference'];
  if (typeof ref === 'string') return patientIdOfReference(ref);
  // wrappers such as performer[].actor, participant[].actor / individual, agent[].who
  for (const k of ['actor', 'individual', 'who', 'party']) {
    const p = patientInValue(o[k], depth + 1);
    if (p) return p;
  }
  return null;
}

/** The Patient id of a resource's patient compartment (Patient itself → its id; subject/patient reference → id), else null. */
export function patientOf(resource: unknown): string | null {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) return null;
  const o = resource as Record<string, unknown>;
  const type = o['resourceType'];
  if (typeof type !== 'string') return null;
  if (type === 'Patient') return typeof o['id'] === 'string' ? o['id'] : null;
  const paths = COMPARTMENT_PATHS[type];
  if (!paths) return null;
  for (const p of paths) {
    const id = patientInValue(o[p]);
    if (id) return id;
  }
  return null;
}
