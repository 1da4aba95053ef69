/**
 * FHIR resource types by the names clinic staff use ("Paciente", "Consulta", "Observação"), never the technical code
 * on a screen, e-mail or report: one table for the engine and the screens (src/shared/portable, importable by the
 * renderer). A type not listed (custom or rare) is shown as "Outro tipo de registro (Code)".
 */
import type { Locale } from './locale.js';

export const FHIR_TYPE_NAMES: Readonly<Record<string, Readonly<Record<Locale, string>>>> = {
  Patient: { 'pt-BR': 'Paciente', en: 'Patient' },
  AllergyIntolerance: { 'pt-BR': 'Alergia', en: 'Allergy' },
  Encounter: { 'pt-BR': 'Consulta', en: 'Visit' },
  Condition: { 'pt-BR': 'Diagnóstico', en: 'Diagnosis' },
  MedicationRequest: { 'pt-BR': 'Prescrição', en: 'Prescription' },
  MedicationStatement: { 'pt-BR': 'Medicamento em uso', en: 'Medication in use' },
  Medication: { 'pt-BR': 'Medicamento', en: 'Medication' },
  MedicationAdministration: { 'pt-BR': 'Medicamento aplicado', en: 'Medication given' },
  MedicationDispense: { 'pt-BR': 'Medicamento entregue', en: 'Medication dispensed' },
  Immunization: { 'pt-BR': 'Vacina', en: 'Vaccination' },
  Procedure: { 'pt-BR': 'Procedimento', en: 'Procedure' },
  Observation: { 'pt-BR': 'Observação', en: 'Observation' },
  DiagnosticReport: { 'pt-BR': 'Laudo de exame', en: 'Test report' },
  DocumentReference: { 'pt-BR': 'Documento', en: 'Document' },
  Composition: { 'pt-BR': 'Documento clínico', en: 'Clinical document' },
  Organization: { 'pt-BR': 'Instituição', en: 'Organisation' },
  Location: { 'pt-BR': 'Local de atendimento', en: 'Care location' },
  Practitioner: { 'pt-BR': 'Profissional de saúde', en: 'Health professional' },
  PractitionerRole: { 'pt-BR': 'Função do profissional', en: 'Professional role' },
  HealthcareService: { 'pt-BR': 'Serviço de saúde', en: 'Health service' },
  Schedule: { 'pt-BR': 'Agenda', en: 'Schedule' },
  Slot: { 'pt-BR': 'Horário da agenda', en: 'Schedule slot' },
  Appointment: { 'pt-BR': 'Agendamento', en: 'Appointment' },
  AppointmentResponse: { 'pt-BR': 'Resposta a agendamento', en: 'Appointment reply' },
  Coverage: { 'pt-BR': 'Convênio', en: 'Health plan' },
  Task: { 'pt-BR': 'Tarefa', en: 'Task' },
  Communication: { 'pt-BR': 'Comunicação', en: 'Message' },
  Questionnaire: { 'pt-BR': 'Questionário', en: 'Questionnaire' },
  QuestionnaireResponse: { 'pt-BR': 'Resposta de questionário', en: 'Questionnaire answer' },
  AuditEvent: { 'pt-BR': 'Registro de auditoria', en: 'Audit entry' },
  Provenance: { 'pt-BR': 'Origem do registro', en: 'Record origin' },
  Group: { 'pt-BR': 'Grupo de pacientes', en: 'Patient group' },
  Binary: { 'pt-BR': 'Arquivo anexo', en: 'Attached file' },
  Media: { 'pt-BR': 'Imagem ou vídeo', en: 'Image or video' },
  CarePlan: { 'pt-BR': 'Plano de cuidado', en: 'Care plan' },
  CareTeam: { 'pt-BR': 'Equipe de cuidado', en: 'Care team' },
  ServiceRequest: { 'pt-BR': 'Pedido de exame ou serviço', en: 'Test or service order' },
  Specimen: { 'pt-BR': 'Amostra', en: 'Specimen' },
  FamilyMemberHistory: { 'pt-BR': 'Histórico familiar', en: 'Family history' },
  Consent: { 'pt-BR': 'Consentimento', en: 'Consent' },
  RelatedPerson: { 'pt-BR': 'Familiar ou responsável', en: 'Relative or guardian' },
  Device: { 'pt-BR': 'Equipamento', en: 'Device' },
  ImagingStudy: { 'pt-BR': 'Exame de imagem', en: 'Imaging study' },
  Claim: { 'pt-BR': 'Guia de cobrança', en: 'Claim' },
  ClaimResponse: { 'pt-BR': 'Resposta de cobrança', en: 'Claim reply' },
  Invoice: { 'pt-BR': 'Fatura', en: 'Invoice' },
  Account: { 'pt-BR': 'Conta do paciente', en: 'Patient account' },
  EpisodeOfCare: { 'pt-BR': 'Tratamento', en: 'Course of care' },
  Goal: { 'pt-BR': 'Meta de tratamento', en: 'Care goal' },
  ClinicalImpression: { 'pt-BR': 'Avaliação clínica', en: 'Clinical assessment' },
  RiskAssessment: { 'pt-BR': 'Avaliação de risco', en: 'Risk assessment' },
  List: { 'pt-BR': 'Lista', en: 'List' },
  Basic: { 'pt-BR': 'Registro simples', en: 'Basic record' },
  Flag: { 'pt-BR': 'Aviso no prontuário', en: 'Record flag' },
  NutritionOrder: { 'pt-BR': 'Prescrição de dieta', en: 'Diet order' },
  VisionPrescription: { 'pt-BR': 'Receita de óculos', en: 'Glasses prescription' },
  DeviceRequest: { 'pt-BR': 'Pedido de equipamento', en: 'Device order' },
  Subscription: { 'pt-BR': 'Aviso automático', en: 'Automatic notice' },
  CapabilityStatement: { 'pt-BR': 'Descrição do servidor', en: 'Server description' },
  StructureDefinition: { 'pt-BR': 'Definição de formato', en: 'Format definition' },
  SearchParameter: { 'pt-BR': 'Parâmetro de busca', en: 'Search setting' },
  OperationDefinition: { 'pt-BR': 'Definição de operação', en: 'Operation definition' },
  ValueSet: { 'pt-BR': 'Lista de códigos', en: 'Code list' },
  CodeSystem: { 'pt-BR': 'Tabela de códigos', en: 'Code table' },
  ConceptMap: { 'pt-BR': 'Correspondência de códigos', en: 'Code mapping' },
  NamingSystem: { 'pt-BR': 'Sistema de identificação', en: 'Identifier system' },
  ImplementationGuide: { 'pt-BR': 'Guia de implementação', en: 'Implementation guide' },
  // A server's own administration records (Medplum): left out of restores unless asked for (issue 14 §6).
  Project: { 'pt-BR': 'Projeto do servidor', en: 'Server project' },
  ProjectMembership: { 'pt-BR': 'Acesso ao projeto', en: 'Project access' },
  ClientApplication: { 'pt-BR': 'Aplicativo conectado', en: 'Connected application' },
  User: { 'pt-BR': 'Login de usuário', en: 'User login' },
  Bot: { 'pt-BR': 'Automação do servidor', en: 'Server automation' },
  AccessPolicy: { 'pt-BR': 'Regra de acesso', en: 'Access rule' },
};

const OTHER: Readonly<Record<Locale, string>> = { 'pt-BR': 'Outro tipo de registro', en: 'Other kind of record' };

/** The name of a resource type in the language; an unlisted type keeps its code after a plain label. */
export function fhirTypeName(type: string, locale: Locale): string {
  const known = Object.prototype.hasOwnProperty.call(FHIR_TYPE_NAMES, type) ? FHIR_TYPE_NAMES[type] : undefined;
  return known ? known[locale] : `${OTHER[locale]} (${type})`;
}
