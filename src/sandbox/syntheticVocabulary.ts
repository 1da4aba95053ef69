/**
 * The words of the synthetic data (synthetic.ts): JSON text helpers that write numbers and strings exactly as a
 * server stores them, code systems, Brazilian names and places, and the clinical vocabulary (vitals, labs,
 * conditions, medications, allergies, procedures, vaccines, note lines).
 */
import type { Rng } from './prng.js';

/** Brasília time (UTC-3, no daylight saving since 2019). */
export const BRT_OFFSET_MS = 3 * 3_600_000;

// ---------------------------------------------------------------------------------------------
// text helpers

/** A JSON string literal (strings only: numbers are written as text by the templates). */
export const q = (s: string): string => JSON.stringify(s);

export const instant = (ms: number): string => new Date(ms).toISOString();
/** dateTime with the Brasília offset, like 2023-05-04T10:15:00-03:00. */
export const dateTimeBr = (ms: number): string => `${new Date(ms - BRT_OFFSET_MS).toISOString().slice(0, 19)}-03:00`;
export const dateOnly = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Decimal text in exponent form, e.g. 123 → "1.230e2" (valid JSON, changed by a parse/serialise round trip). */
export function exponent(value: number): string {
  const e = Math.floor(Math.log10(Math.abs(value)));
  return `${(value / 10 ** e).toFixed(3)}e${e}`;
}

export function coding(system: string, code: string, display: string): string {
  return `{"system":${q(system)},"code":${q(code)},"display":${q(display)}}`;
}
export function concept(system: string, code: string, display: string, text = display): string {
  return `{"coding":[${coding(system, code, display)}],"text":${q(text)}}`;
}
export function reference(type: string, id: string, display?: string): string {
  return display === undefined ? `{"reference":"${type}/${id}"}` : `{"reference":"${type}/${id}","display":${q(display)}}`;
}
export function narrative(html: string): string {
  return `{"status":"generated","div":${q(`<div xmlns="http://www.w3.org/1999/xhtml">${html}</div>`)}}`;
}
export function metaText(lastUpdated: string, profile: string): string {
  return `{"versionId":"1","lastUpdated":"${lastUpdated}","source":"#synthea-br","profile":[${q(profile)}]}`;
}
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export const SCT = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const CPF_SYSTEM = 'http://www.saude.gov.br/fhir/r4/NamingSystem/cpf';
export const CNS_SYSTEM = 'http://www.saude.gov.br/fhir/r4/NamingSystem/cns';
export const CNES_SYSTEM = 'http://www.saude.gov.br/fhir/r4/NamingSystem/cnes';
export const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition';

// ---------------------------------------------------------------------------------------------
// vocabularies

export const GIVEN_F = ['Maria', 'Ana', 'Júlia', 'Letícia', 'Beatriz', 'Camila', 'Fernanda', 'Luíza', 'Mariana', 'Patrícia', 'Conceição', 'Débora', 'Aline', 'Bruna', 'Tânia'];
export const GIVEN_M = ['João', 'José', 'Antônio', 'Francisco', 'Carlos', 'Paulo', 'Pedro', 'Lucas', 'Luiz', 'Marcos', 'Gabriel', 'Rafael', 'Sérgio', 'Otávio', 'Raimundo'];
export const FAMILY = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'Ribeiro', 'Carvalho', 'Araújo', 'Magalhães', 'Conceição', 'Gonçalves'];
export const CITIES: readonly (readonly [string, string, string, number, number])[] = [
  ['São Paulo', 'SP', '01310', -23.55052, -46.633308],
  ['Rio de Janeiro', 'RJ', '20040', -22.906847, -43.172897],
  ['Belo Horizonte', 'MG', '30130', -19.916681, -43.934493],
  ['Curitiba', 'PR', '80010', -25.428954, -49.267137],
  ['Porto Alegre', 'RS', '90010', -30.034647, -51.217659],
  ['Salvador', 'BA', '40020', -12.977749, -38.50163],
  ['Recife', 'PE', '50030', -8.047562, -34.877],
  ['Florianópolis', 'SC', '88010', -27.595378, -48.54805],
];
export const STREETS = ['Rua das Flores', 'Avenida Paulista', 'Rua XV de Novembro', 'Travessa São José', 'Avenida Brasil', 'Rua Sete de Setembro', 'Alameda Santos'];
export const PRACTITIONERS = ['Dra. Helena Prado', 'Dr. Ricardo Nogueira', 'Dra. Sofia Mendes', 'Dr. Eduardo Barros', 'Dra. Clara Teixeira'];
export const ORGS = ['Clínica Bem Viver', 'Clínica Saúde Integral', 'Centro Médico Aurora'];

export interface ObsKind {
  code: string;
  display: string;
  category: 'vital-signs' | 'laboratory';
  unit: string;
  ucum: string;
  profile: string;
  value: (r: Rng) => string;
  low: string;
  high: string;
}
export const fixed = (v: number, d: number): string => v.toFixed(d);
export const VITALS: readonly ObsKind[] = [
  {
    code: '8310-5',
    display: 'Body temperature',
    category: 'vital-signs',
    unit: 'Cel',
    ucum: 'Cel',
    profile: 'http://hl7.org/fhir/StructureDefinition/bodytemp',
    value: (r) => fixed(36 + r.int(0, 20) / 10, 2),
    low: '36.10',
    high: '37.20',
  },
  {
    code: '8310-5',
    display: 'Body temperature',
    category: 'vital-signs',
    unit: '[degF]',
    ucum: '[degF]',
    profile: 'http://hl7.org/fhir/StructureDefinition/bodytemp',
    value: (r) => fixed(97 + r.int(0, 30) / 10, 2),
    low: '97.00',
    high: '99.50',
  },
  {
    code: '8867-4',
    display: 'Heart rate',
    category: 'vital-signs',
    unit: '/min',
    ucum: '/min',
    profile: 'http://hl7.org/fhir/StructureDefinition/heartrate',
    value: (r) => fixed(r.int(55, 110), 1),
    low: '60.0',
    high: '100.0',
  },
  {
    code: '9279-1',
    display: 'Respiratory rate',
    category: 'vital-signs',
    unit: '/min',
    ucum: '/min',
    profile: 'http://hl7.org/fhir/StructureDefinition/resprate',
    value: (r) => fixed(r.int(12, 22), 1),
    low: '12.0',
    high: '20.0',
  },
  {
    code: '8302-2',
    display: 'Body Height',
    category: 'vital-signs',
    unit: 'cm',
    ucum: 'cm',
    profile: 'http://hl7.org/fhir/StructureDefinition/bodyheight',
    value: (r) => fixed(150 + r.int(0, 400) / 10, 1),
    low: '140.0',
    high: '200.0',
  },
  {
    code: '29463-7',
    display: 'Body Weight',
    category: 'vital-signs',
    unit: 'kg',
    ucum: 'kg',
    profile: 'http://hl7.org/fhir/StructureDefinition/bodyweight',
    value: (r) => fixed(48 + r.int(0, 600) / 10, 1),
    low: '45.0',
    high: '110.0',
  },
  {
    code: '39156-5',
    display: 'Body mass index (BMI) [Ratio]',
    category: 'vital-signs',
    unit: 'kg/m2',
    ucum: 'kg/m2',
    profile: 'http://hl7.org/fhir/StructureDefinition/bmi',
    value: (r) => fixed(18 + r.int(0, 1700) / 100, 2),
    low: '18.50',
    high: '24.90',
  },
  {
    code: '59408-5',
    display: 'Oxygen saturation in Arterial blood by Pulse oximetry',
    category: 'vital-signs',
    unit: '%',
    ucum: '%',
    profile: 'http://hl7.org/fhir/StructureDefinition/oxygensat',
    value: (r) => fixed(r.int(92, 100), 1),
    low: '95.0',
    high: '100.0',
  },
];
export const BASELINE_TEMP: ObsKind = { ...(VITALS[0] as ObsKind), value: (r) => (r.chance(0.6) ? '36.50' : fixed(36 + r.int(0, 12) / 10, 2)) };
export const LAB_PROFILE = `${US_CORE}/us-core-observation-lab`;
export const maybeExp = (r: Rng, v: number, d: number): string => (r.chance(0.3) ? exponent(v) : fixed(v, d));
export const LABS: Record<string, ObsKind> = {
  glucose: {
    code: '2339-0',
    display: 'Glucose [Mass/volume] in Blood',
    category: 'laboratory',
    unit: 'mg/dL',
    ucum: 'mg/dL',
    profile: LAB_PROFILE,
    value: (r) => maybeExp(r, r.int(70, 190), 1),
    low: '70.0',
    high: '99.0',
  },
  creatinine: {
    code: '2160-0',
    display: 'Creatinine [Mass/volume] in Serum or Plasma',
    category: 'laboratory',
    unit: 'mg/dL',
    ucum: 'mg/dL',
    profile: LAB_PROFILE,
    value: (r) => fixed(0.6 + r.int(0, 90) / 100, 2),
    low: '0.70',
    high: '1.30',
  },
  sodium: {
    code: '2951-2',
    display: 'Sodium [Moles/volume] in Serum or Plasma',
    category: 'laboratory',
    unit: 'mmol/L',
    ucum: 'mmol/L',
    profile: LAB_PROFILE,
    value: (r) => fixed(r.int(134, 146), 1),
    low: '136.0',
    high: '145.0',
  },
  potassium: {
    code: '2823-3',
    display: 'Potassium [Moles/volume] in Serum or Plasma',
    category: 'laboratory',
    unit: 'mmol/L',
    ucum: 'mmol/L',
    profile: LAB_PROFILE,
    value: (r) => fixed(3.4 + r.int(0, 180) / 100, 2),
    low: '3.50',
    high: '5.10',
  },
  cholesterol: {
    code: '2093-3',
    display: 'Cholesterol [Mass/volume] in Serum or Plasma',
    category: 'laboratory',
    unit: 'mg/dL',
    ucum: 'mg/dL',
    profile: LAB_PROFILE,
    value: (r) => maybeExp(r, r.int(140, 280), 1),
    low: '0.0',
    high: '200.0',
  },
  ldl: {
    code: '18262-6',
    display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay',
    category: 'laboratory',
    unit: 'mg/dL',
    ucum: 'mg/dL',
    profile: LAB_PROFILE,
    value: (r) => fixed(60 + r.int(0, 1200) / 10, 1),
    low: '0.0',
    high: '130.0',
  },
  hemoglobin: {
    code: '718-7',
    display: 'Hemoglobin [Mass/volume] in Blood',
    category: 'laboratory',
    unit: 'g/dL',
    ucum: 'g/dL',
    profile: LAB_PROFILE,
    value: (r) => fixed(10.5 + r.int(0, 70) / 10, 1),
    low: '12.0',
    high: '17.5',
  },
  wbc: {
    code: '6690-2',
    display: 'Leukocytes [#/volume] in Blood by Automated count',
    category: 'laboratory',
    unit: '10*3/uL',
    ucum: '10*3/uL',
    profile: LAB_PROFILE,
    value: (r) => fixed(3.5 + r.int(0, 8000) / 1000, 3),
    low: '4.500',
    high: '11.000',
  },
  hba1c: {
    code: '4548-4',
    display: 'Hemoglobin A1c/Hemoglobin.total in Blood',
    category: 'laboratory',
    unit: '%',
    ucum: '%',
    profile: LAB_PROFILE,
    value: (r) => fixed(4.5 + r.int(0, 500) / 100, 2),
    low: '4.00',
    high: '5.60',
  },
};
export const LAB_LIST = Object.values(LABS);
export const PANELS: readonly { code: string; display: string; labs: readonly ObsKind[] }[] = [
  { code: '51990-0', display: 'Basic metabolic panel - Blood', labs: [LABS['glucose'], LABS['creatinine'], LABS['sodium'], LABS['potassium']] as ObsKind[] },
  { code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma', labs: [LABS['cholesterol'], LABS['ldl']] as ObsKind[] },
  { code: '58410-2', display: 'CBC panel - Blood by Automated count', labs: [LABS['hemoglobin'], LABS['wbc']] as ObsKind[] },
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', labs: [LABS['hba1c'], LABS['glucose']] as ObsKind[] },
];
export const ENCOUNTER_TYPES: readonly (readonly [string, string, string, string])[] = [
  ['AMB', 'ambulatory', '185349003', 'Encounter for check up (procedure)'],
  ['AMB', 'ambulatory', '162673000', 'General examination of patient (procedure)'],
  ['AMB', 'ambulatory', '185345009', 'Encounter for symptom (procedure)'],
  ['EMER', 'emergency', '50849002', 'Emergency room admission (procedure)'],
  ['IMP', 'inpatient', '32485007', 'Hospital admission (procedure)'],
];
export const CONDITIONS: readonly (readonly [string, string])[] = [
  ['59621000', 'Essential hypertension (disorder)'],
  ['44054006', 'Diabetes mellitus type 2 (disorder)'],
  ['15777000', 'Prediabetes (finding)'],
  ['40055000', 'Chronic sinusitis (disorder)'],
  ['444814009', 'Viral sinusitis (disorder)'],
  ['195662009', 'Acute viral pharyngitis (disorder)'],
  ['55822004', 'Hyperlipidemia (disorder)'],
  ['162864005', 'Body mass index 30+ - obesity (finding)'],
  ['195967001', 'Asthma (disorder)'],
  ['65363002', 'Otitis media (disorder)'],
  ['271737000', 'Anemia (disorder)'],
];
export const MEDICATIONS: readonly (readonly [string, string, string])[] = [
  ['314076', 'lisinopril 10 MG Oral Tablet', '1 comprimido ao dia'],
  ['860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', '1 comprimido 2x ao dia'],
  ['197361', 'amlodipine 5 MG Oral Tablet', '1 comprimido ao dia'],
  ['310965', 'Ibuprofen 200 MG Oral Tablet', '1 comprimido a cada 8 horas se dor'],
  ['313782', 'Acetaminophen 325 MG Oral Tablet', '2 comprimidos a cada 6 horas se febre'],
  ['834061', 'Penicillin V Potassium 250 MG Oral Tablet', '1 comprimido a cada 6 horas por 10 dias'],
  ['308182', 'Amoxicillin 250 MG Oral Capsule', '1 cápsula a cada 8 horas por 7 dias'],
  ['259255', 'Atorvastatin 80 MG Oral Tablet', '1 comprimido à noite'],
];
export const ALLERGIES: readonly (readonly [string, string, string, string])[] = [
  ['91936005', 'Allergy to penicillin (finding)', 'medication', '247472004|Wheal (finding)'],
  ['300913006', 'Shellfish (substance)', 'food', '271807003|Eruption of skin (disorder)'],
  ['232347008', 'Dander (animal) allergy (finding)', 'environment', '49727002|Cough (finding)'],
  ['419474003', 'Allergy to mould (finding)', 'environment', '267036007|Dyspnea (finding)'],
  ['91935009', 'Allergy to peanuts (finding)', 'food', '39579001|Anaphylaxis (disorder)'],
  ['294505008', 'Allergy to amoxicillin (finding)', 'medication', '878820003|Rash (finding)'],
];
export const PROCEDURES: readonly (readonly [string, string])[] = [
  ['430193006', 'Medication reconciliation (procedure)'],
  ['710824005', 'Assessment of health and social care needs (procedure)'],
  ['171207006', 'Depression screening (procedure)'],
  ['428191000124101', 'Documentation of current medications (procedure)'],
  ['73761001', 'Colonoscopy (procedure)'],
  ['76601001', 'Intramuscular injection (procedure)'],
  ['268556000', 'Urine screening for glucose (procedure)'],
];
export const VACCINES: readonly (readonly [string, string])[] = [
  ['140', 'Influenza, seasonal, injectable, preservative free'],
  ['08', 'Hep B, adolescent or pediatric'],
  ['113', 'Td (adult) preservative free'],
  ['133', 'Pneumococcal conjugate PCV 13'],
  ['62', 'HPV, quadrivalent'],
  ['115', 'Tdap'],
  ['208', 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose'],
];
export const NOTE_LINES = [
  'Paciente comparece para consulta de rotina, refere bom estado geral.',
  'Nega febre, dispneia ou dor torácica. Sono preservado.',
  'Ao exame: bom estado geral, corado, hidratado, acianótico, anictérico.',
  'Ausculta cardíaca: ritmo cardíaco regular em 2 tempos, bulhas normofonéticas, sem sopros.',
  'Ausculta pulmonar: murmúrio vesicular presente bilateralmente, sem ruídos adventícios.',
  'Abdome flácido, indolor à palpação, sem visceromegalias.',
  'Conduta: manter medicações em uso, orientações sobre dieta e atividade física.',
  'Solicitados exames laboratoriais de controle. Retorno em 90 dias.',
  'Patient reports adherence to the medication plan and no adverse effects.',
  'Laboratory results reviewed with the patient; values within expected range.',
];

// ---------------------------------------------------------------------------------------------
// identifiers

/** A valid CPF (11 digits with its two check digits). */
export function cpf(r: Rng): string {
  const d: number[] = [];
  for (let i = 0; i < 9; i++) d.push(r.int(0, 9));
  for (const len of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += (d[i] ?? 0) * (len + 1 - i);
    const rest = (sum * 10) % 11;
    d.push(rest === 10 ? 0 : rest);
  }
  return d.join('');
}
export function digits(r: Rng, n: number): string {
  let s = String(r.int(1, 9));
  while (s.length < n) s += String(r.int(0, 9));
  return s;
}
