/**
 * The resource types of FHIR R4 (4.0.1), case-sensitive, as the specification lists them (resourcelist.html).
 * Used to check what a user types (--type, the API) before anything runs: a typo is an error with a suggestion,
 * never an empty result.
 */
import { EngineError } from './errors.js';
import { editDistance } from './text.js';

export const FHIR_R4_RESOURCE_TYPES: readonly string[] = [
  'Account',
  'ActivityDefinition',
  'AdverseEvent',
  'AllergyIntolerance',
  'Appointment',
  'AppointmentResponse',
  'AuditEvent',
  'Basic',
  'Binary',
  'BiologicallyDerivedProduct',
  'BodyStructure',
  'Bundle',
  'CapabilityStatement',
  'CarePlan',
  'CareTeam',
  'CatalogEntry',
  'ChargeItem',
  'ChargeItemDefinition',
  'Claim',
  'ClaimResponse',
  'ClinicalImpression',
  'CodeSystem',
  'Communication',
  'CommunicationRequest',
  'CompartmentDefinition',
  'Composition',
  'ConceptMap',
  'Condition',
  'Consent',
  'Contract',
  'Coverage',
  'CoverageEligibilityRequest',
  'CoverageEligibilityResponse',
  'DetectedIssue',
  'Device',
  'DeviceDefinition',
  'DeviceMetric',
  'DeviceRequest',
  'DeviceUseStatement',
  'DiagnosticReport',
  'DocumentManifest',
  'DocumentReference',
  'EffectEvidenceSynthesis',
  'Encounter',
  'Endpoint',
  'EnrollmentRequest',
  'EnrollmentResponse',
  'EpisodeOfCare',
  'EventDefinition',
  'Evidence',
  'EvidenceVariable',
  'ExampleScenario',
  'ExplanationOfBenefit',
  'FamilyMemberHistory',
  'Flag',
  'Goal',
  'GraphDefinition',
  'Group',
  'GuidanceResponse',
  'HealthcareService',
  'ImagingStudy',
  'Immunization',
  'ImmunizationEvaluation',
  'ImmunizationRecommendation',
  'ImplementationGuide',
  'InsurancePlan',
  'Invoice',
  'Library',
  'Linkage',
  'List',
  'Location',
  'Measure',
  'MeasureReport',
  'Media',
  'Medication',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationKnowledge',
  'MedicationRequest',
  'MedicationStatement',
  'MedicinalProduct',
  'MedicinalProductAuthorization',
  'MedicinalProductContraindication',
  'MedicinalProductIndication',
  'MedicinalProductIngredient',
  'MedicinalProductInteraction',
  'MedicinalProductManufactured',
  'MedicinalProductPackaged',
  'MedicinalProductPharmaceutical',
  'MedicinalProductUndesirableEffect',
  'MessageDefinition',
  'MessageHeader',
  'MolecularSequence',
  'NamingSystem',
  'NutritionOrder',
  'Observation',
  'ObservationDefinition',
  'OperationDefinition',
  'OperationOutcome',
  'Organization',
  'OrganizationAffiliation',
  'Parameters',
  'Patient',
  'PaymentNotice',
  'PaymentReconciliation',
  'Person',
  'PlanDefinition',
  'Practitioner',
  'PractitionerRole',
  'Procedure',
  'Provenance',
  'Questionnaire',
  'QuestionnaireResponse',
  'RelatedPerson',
  'RequestGroup',
  'ResearchDefinition',
  'ResearchElementDefinition',
  'ResearchStudy',
  'ResearchSubject',
  'RiskAssessment',
  'RiskEvidenceSynthesis',
  'Schedule',
  'SearchParameter',
  'ServiceRequest',
  'Slot',
  'Specimen',
  'SpecimenDefinition',
  'StructureDefinition',
  'StructureMap',
  'Subscription',
  'Substance',
  'SubstanceNucleicAcid',
  'SubstancePolymer',
  'SubstanceProtein',
  'SubstanceReferenceInformation',
  'SubstanceSourceMaterial',
  'SubstanceSpecification',
  'SupplyDelivery',
  'SupplyRequest',
  'Task',
  'TerminologyCapabilities',
  'TestReport',
  'TestScript',
  'ValueSet',
  'VerificationResult',
  'VisionPrescription',
];

const KNOWN: ReadonlySet<string> = new Set(FHIR_R4_RESOURCE_TYPES);

export function isResourceType(type: string): boolean {
  return KNOWN.has(type);
}

/** The resource types a mistyped one most likely meant: the same letters in other case first, then close spellings. */
export function suggestResourceTypes(input: string, max = 3): string[] {
  const lower = input.toLowerCase();
  const sameLetters = FHIR_R4_RESOURCE_TYPES.filter((t) => t.toLowerCase() === lower);
  if (sameLetters.length > 0) return sameLetters;
  const limit = Math.max(2, Math.floor(input.length / 3));
  return FHIR_R4_RESOURCE_TYPES.map((t) => ({ t, d: editDistance(lower, t.toLowerCase()) }))
    .filter((x) => x.d <= limit || x.t.toLowerCase().startsWith(lower))
    .sort((a, b) => a.d - b.d || a.t.localeCompare(b.t))
    .slice(0, max)
    .map((x) => x.t);
}

/** UNKNOWN_RESOURCE_TYPE (a usage error, exit 2) for the first type that is not an R4 resource type, with suggestions. */
export function assertResourceTypes(types: readonly string[] | undefined): void {
  for (const type of types ?? []) {
    if (KNOWN.has(type)) continue;
    const suggestions = suggestResourceTypes(type);
    throw new EngineError('UNKNOWN_RESOURCE_TYPE', { type, suggestions: suggestions.length > 0 ? suggestions : ['Patient', 'Observation', 'Encounter'] });
  }
}
