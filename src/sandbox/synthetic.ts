/**
 * Deterministic synthetic FHIR R4 data, shaped like Synthea output (with Brazilian touches: CPF/CNS
 * identifiers, pt-BR names with accents, -03:00 offsets). Used by the sandbox server, tests and benchmarks.
 *
 * Resources are produced as JSON *text* built from templates, never through JSON.stringify of numbers:
 * decimals such as 36.50, 98.60 or 1.230e2 are written exactly as a real server would store them, and
 * change if parsed and re-serialised. The backup product must keep those bytes.
 *
 * Every patient is generated from its own PRNG stream (seed, patient index), so the first N patients are
 * the same whatever the total, and `writeNdjsonDataset` with `targetBytes` simply keeps going.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { EngineError } from '../shared/errors.js';
import { createRng, mixSeed, type Rng } from './prng.js';

export interface SyntheticOptions {
  patients: number;
  seed?: number;
  /** ISO date or instant; clinical dates fall in the three years before it, meta.lastUpdated shortly after. Default 2024-01-01. */
  startDate?: string;
}

export interface SyntheticResource {
  type: string;
  id: string;
  patientId: string | null;
  /** JSON text of the resource, one line, no trailing newline. */
  line: string;
}

export interface NdjsonDatasetInfo {
  dir: string;
  /** Absolute paths of the files written, one per resource type (<Type>.ndjson), sorted. */
  files: string[];
  counts: Record<string, number>;
  bytes: number;
  resources: number;
}

/** The resource types the generator produces, in the order a restore would want them. */
export const SYNTHETIC_TYPES = [
  'Patient',
  'AllergyIntolerance',
  'Encounter',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Procedure',
  'MedicationRequest',
  'Immunization',
] as const;

const DEFAULT_SEED = 1;
const DEFAULT_START = '2024-01-01';
const DAY = 86_400_000;
const BRT_OFFSET_MS = 3 * 3_600_000;

// ---------------------------------------------------------------------------------------------
// text helpers

/** A JSON string literal (strings only: numbers are written as text by the templates). */
const q = (s: string): string => JSON.stringify(s);

function parseStart(startDate: string | undefined): number {
  const ms = Date.parse(startDate ?? DEFAULT_START);
  if (!Number.isFinite(ms)) throw new EngineError('INVALID_ARGUMENT', { name: 'startDate', value: String(startDate) });
  return ms;
}

const instant = (ms: number): string => new Date(ms).toISOString();
/** dateTime with the Brasília offset, like 2023-05-04T10:15:00-03:00. */
const dateTimeBr = (ms: number): string => `${new Date(ms - BRT_OFFSET_MS).toISOString().slice(0, 19)}-03:00`;
const dateOnly = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Decimal text in exponent form, e.g. 123 → "1.230e2" (valid JSON, changed by a parse/serialise round trip). */
function exponent(value: number): string {
  const e = Math.floor(Math.log10(Math.abs(value)));
  return `${(value / 10 ** e).toFixed(3)}e${e}`;
}

function coding(system: string, code: string, display: string): string {
  return `{"system":${q(system)},"code":${q(code)},"display":${q(display)}}`;
}
function concept(system: string, code: string, display: string, text = display): string {
  return `{"coding":[${coding(system, code, display)}],"text":${q(text)}}`;
}
function reference(type: string, id: string, display?: string): string {
  return display === undefined ? `{"reference":"${type}/${id}"}` : `{"reference":"${type}/${id}","display":${q(display)}}`;
}
function narrative(html: string): string {
  return `{"status":"generated","div":${q(`<div xmlns="http://www.w3.org/1999/xhtml">${html}</div>`)}}`;
}
function metaText(lastUpdated: string, profile: string): string {
  return `{"versionId":"1","lastUpdated":"${lastUpdated}","source":"#synthea-br","profile":[${q(profile)}]}`;
}
function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const SCT = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const CVX = 'http://hl7.org/fhir/sid/cvx';
export const CPF_SYSTEM = 'http://www.saude.gov.br/fhir/r4/NamingSystem/cpf';
export const CNS_SYSTEM = 'http://www.saude.gov.br/fhir/r4/NamingSystem/cns';
const CNES_SYSTEM = 'http://www.saude.gov.br/fhir/r4/NamingSystem/cnes';
const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition';

// ---------------------------------------------------------------------------------------------
// vocabularies

const GIVEN_F = ['Maria', 'Ana', 'Júlia', 'Letícia', 'Beatriz', 'Camila', 'Fernanda', 'Luíza', 'Mariana', 'Patrícia', 'Conceição', 'Débora', 'Aline', 'Bruna', 'Tânia'];
const GIVEN_M = ['João', 'José', 'Antônio', 'Francisco', 'Carlos', 'Paulo', 'Pedro', 'Lucas', 'Luiz', 'Marcos', 'Gabriel', 'Rafael', 'Sérgio', 'Otávio', 'Raimundo'];
const FAMILY = ['Silva', 'Santos', 'Oliveira', 'Souza', 'Rodrigues', 'Ferreira', 'Alves', 'Pereira', 'Lima', 'Gomes', 'Ribeiro', 'Carvalho', 'Araújo', 'Magalhães', 'Conceição', 'Gonçalves'];
const CITIES: readonly (readonly [string, string, string, number, number])[] = [
  ['São Paulo', 'SP', '01310', -23.55052, -46.633308],
  ['Rio de Janeiro', 'RJ', '20040', -22.906847, -43.172897],
  ['Belo Horizonte', 'MG', '30130', -19.916681, -43.934493],
  ['Curitiba', 'PR', '80010', -25.428954, -49.267137],
  ['Porto Alegre', 'RS', '90010', -30.034647, -51.217659],
  ['Salvador', 'BA', '40020', -12.977749, -38.501630],
  ['Recife', 'PE', '50030', -8.047562, -34.8770],
  ['Florianópolis', 'SC', '88010', -27.595378, -48.548050],
];
const STREETS = ['Rua das Flores', 'Avenida Paulista', 'Rua XV de Novembro', 'Travessa São José', 'Avenida Brasil', 'Rua Sete de Setembro', 'Alameda Santos'];
const PRACTITIONERS = ['Dra. Helena Prado', 'Dr. Ricardo Nogueira', 'Dra. Sofia Mendes', 'Dr. Eduardo Barros', 'Dra. Clara Teixeira'];
const ORGS = ['Clínica Bem Viver', 'Clínica Saúde Integral', 'Centro Médico Aurora'];

interface ObsKind {
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
const fixed = (v: number, d: number): string => v.toFixed(d);
const VITALS: readonly ObsKind[] = [
  { code: '8310-5', display: 'Body temperature', category: 'vital-signs', unit: 'Cel', ucum: 'Cel', profile: 'http://hl7.org/fhir/StructureDefinition/bodytemp', value: (r) => fixed(36 + r.int(0, 20) / 10, 2), low: '36.10', high: '37.20' },
  { code: '8310-5', display: 'Body temperature', category: 'vital-signs', unit: '[degF]', ucum: '[degF]', profile: 'http://hl7.org/fhir/StructureDefinition/bodytemp', value: (r) => fixed(97 + r.int(0, 30) / 10, 2), low: '97.00', high: '99.50' },
  { code: '8867-4', display: 'Heart rate', category: 'vital-signs', unit: '/min', ucum: '/min', profile: 'http://hl7.org/fhir/StructureDefinition/heartrate', value: (r) => fixed(r.int(55, 110), 1), low: '60.0', high: '100.0' },
  { code: '9279-1', display: 'Respiratory rate', category: 'vital-signs', unit: '/min', ucum: '/min', profile: 'http://hl7.org/fhir/StructureDefinition/resprate', value: (r) => fixed(r.int(12, 22), 1), low: '12.0', high: '20.0' },
  { code: '8302-2', display: 'Body Height', category: 'vital-signs', unit: 'cm', ucum: 'cm', profile: 'http://hl7.org/fhir/StructureDefinition/bodyheight', value: (r) => fixed(150 + r.int(0, 400) / 10, 1), low: '140.0', high: '200.0' },
  { code: '29463-7', display: 'Body Weight', category: 'vital-signs', unit: 'kg', ucum: 'kg', profile: 'http://hl7.org/fhir/StructureDefinition/bodyweight', value: (r) => fixed(48 + r.int(0, 600) / 10, 1), low: '45.0', high: '110.0' },
  { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', category: 'vital-signs', unit: 'kg/m2', ucum: 'kg/m2', profile: 'http://hl7.org/fhir/StructureDefinition/bmi', value: (r) => fixed(18 + r.int(0, 1700) / 100, 2), low: '18.50', high: '24.90' },
  { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry', category: 'vital-signs', unit: '%', ucum: '%', profile: 'http://hl7.org/fhir/StructureDefinition/oxygensat', value: (r) => fixed(r.int(92, 100), 1), low: '95.0', high: '100.0' },
];
const BASELINE_TEMP: ObsKind = { ...(VITALS[0] as ObsKind), value: (r) => (r.chance(0.6) ? '36.50' : fixed(36 + r.int(0, 12) / 10, 2)) };
const LAB_PROFILE = `${US_CORE}/us-core-observation-lab`;
const maybeExp = (r: Rng, v: number, d: number): string => (r.chance(0.3) ? exponent(v) : fixed(v, d));
const LABS: Record<string, ObsKind> = {
  glucose: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', category: 'laboratory', unit: 'mg/dL', ucum: 'mg/dL', profile: LAB_PROFILE, value: (r) => maybeExp(r, r.int(70, 190), 1), low: '70.0', high: '99.0' },
  creatinine: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', category: 'laboratory', unit: 'mg/dL', ucum: 'mg/dL', profile: LAB_PROFILE, value: (r) => fixed(0.6 + r.int(0, 90) / 100, 2), low: '0.70', high: '1.30' },
  sodium: { code: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma', category: 'laboratory', unit: 'mmol/L', ucum: 'mmol/L', profile: LAB_PROFILE, value: (r) => fixed(r.int(134, 146), 1), low: '136.0', high: '145.0' },
  potassium: { code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', category: 'laboratory', unit: 'mmol/L', ucum: 'mmol/L', profile: LAB_PROFILE, value: (r) => fixed(3.4 + r.int(0, 180) / 100, 2), low: '3.50', high: '5.10' },
  cholesterol: { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', category: 'laboratory', unit: 'mg/dL', ucum: 'mg/dL', profile: LAB_PROFILE, value: (r) => maybeExp(r, r.int(140, 280), 1), low: '0.0', high: '200.0' },
  ldl: { code: '18262-6', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay', category: 'laboratory', unit: 'mg/dL', ucum: 'mg/dL', profile: LAB_PROFILE, value: (r) => fixed(60 + r.int(0, 1200) / 10, 1), low: '0.0', high: '130.0' },
  hemoglobin: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood', category: 'laboratory', unit: 'g/dL', ucum: 'g/dL', profile: LAB_PROFILE, value: (r) => fixed(10.5 + r.int(0, 70) / 10, 1), low: '12.0', high: '17.5' },
  wbc: { code: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count', category: 'laboratory', unit: '10*3/uL', ucum: '10*3/uL', profile: LAB_PROFILE, value: (r) => fixed(3.5 + r.int(0, 8000) / 1000, 3), low: '4.500', high: '11.000' },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', category: 'laboratory', unit: '%', ucum: '%', profile: LAB_PROFILE, value: (r) => fixed(4.5 + r.int(0, 500) / 100, 2), low: '4.00', high: '5.60' },
};
const LAB_LIST = Object.values(LABS);
const PANELS: readonly { code: string; display: string; labs: readonly ObsKind[] }[] = [
  { code: '51990-0', display: 'Basic metabolic panel - Blood', labs: [LABS['glucose'], LABS['creatinine'], LABS['sodium'], LABS['potassium']] as ObsKind[] },
  { code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma', labs: [LABS['cholesterol'], LABS['ldl']] as ObsKind[] },
  { code: '58410-2', display: 'CBC panel - Blood by Automated count', labs: [LABS['hemoglobin'], LABS['wbc']] as ObsKind[] },
  { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', labs: [LABS['hba1c'], LABS['glucose']] as ObsKind[] },
];
const ENCOUNTER_TYPES: readonly (readonly [string, string, string, string])[] = [
  ['AMB', 'ambulatory', '185349003', 'Encounter for check up (procedure)'],
  ['AMB', 'ambulatory', '162673000', 'General examination of patient (procedure)'],
  ['AMB', 'ambulatory', '185345009', 'Encounter for symptom (procedure)'],
  ['EMER', 'emergency', '50849002', 'Emergency room admission (procedure)'],
  ['IMP', 'inpatient', '32485007', 'Hospital admission (procedure)'],
];
const CONDITIONS: readonly (readonly [string, string])[] = [
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
const MEDICATIONS: readonly (readonly [string, string, string])[] = [
  ['314076', 'lisinopril 10 MG Oral Tablet', '1 comprimido ao dia'],
  ['860975', '24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet', '1 comprimido 2x ao dia'],
  ['197361', 'amlodipine 5 MG Oral Tablet', '1 comprimido ao dia'],
  ['310965', 'Ibuprofen 200 MG Oral Tablet', '1 comprimido a cada 8 horas se dor'],
  ['313782', 'Acetaminophen 325 MG Oral Tablet', '2 comprimidos a cada 6 horas se febre'],
  ['834061', 'Penicillin V Potassium 250 MG Oral Tablet', '1 comprimido a cada 6 horas por 10 dias'],
  ['308182', 'Amoxicillin 250 MG Oral Capsule', '1 cápsula a cada 8 horas por 7 dias'],
  ['259255', 'Atorvastatin 80 MG Oral Tablet', '1 comprimido à noite'],
];
const ALLERGIES: readonly (readonly [string, string, string, string])[] = [
  ['91936005', 'Allergy to penicillin (finding)', 'medication', '247472004|Wheal (finding)'],
  ['300913006', 'Shellfish (substance)', 'food', '271807003|Eruption of skin (disorder)'],
  ['232347008', 'Dander (animal) allergy (finding)', 'environment', '49727002|Cough (finding)'],
  ['419474003', 'Allergy to mould (finding)', 'environment', '267036007|Dyspnea (finding)'],
  ['91935009', 'Allergy to peanuts (finding)', 'food', '39579001|Anaphylaxis (disorder)'],
  ['294505008', 'Allergy to amoxicillin (finding)', 'medication', '878820003|Rash (finding)'],
];
const PROCEDURES: readonly (readonly [string, string])[] = [
  ['430193006', 'Medication reconciliation (procedure)'],
  ['710824005', 'Assessment of health and social care needs (procedure)'],
  ['171207006', 'Depression screening (procedure)'],
  ['428191000124101', 'Documentation of current medications (procedure)'],
  ['73761001', 'Colonoscopy (procedure)'],
  ['76601001', 'Intramuscular injection (procedure)'],
  ['268556000', 'Urine screening for glucose (procedure)'],
];
const VACCINES: readonly (readonly [string, string])[] = [
  ['140', 'Influenza, seasonal, injectable, preservative free'],
  ['08', 'Hep B, adolescent or pediatric'],
  ['113', 'Td (adult) preservative free'],
  ['133', 'Pneumococcal conjugate PCV 13'],
  ['62', 'HPV, quadrivalent'],
  ['115', 'Tdap'],
  ['208', 'SARS-COV-2 (COVID-19) vaccine, mRNA, spike protein, LNP, preservative free, 30 mcg/0.3mL dose'],
];
const NOTE_LINES = [
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
function cpf(r: Rng): string {
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
function digits(r: Rng, n: number): string {
  let s = String(r.int(1, 9));
  while (s.length < n) s += String(r.int(0, 9));
  return s;
}

// ---------------------------------------------------------------------------------------------
// one patient

interface Ctx {
  r: Rng;
  patientId: string;
  patientName: string;
  /** Next meta.lastUpdated (ms); grows by a little per resource. */
  clock: number;
}
const nextStamp = (c: Ctx): string => {
  c.clock += 97 + c.r.int(0, 40);
  return instant(c.clock);
};
const practitioner = (r: Rng): string => {
  const name = r.pick(PRACTITIONERS);
  return `{"identifier":{"system":${q(CNS_SYSTEM)},"value":"${digits(r, 15)}"},"display":${q(name)}}`;
};

function patientLine(c: Ctx, gender: 'male' | 'female', given: string, family: string, birthMs: number): string {
  const r = c.r;
  const [city, state, zip, lat, lon] = r.pick(CITIES);
  const mother = `${r.pick(GIVEN_F)} ${r.pick(FAMILY)}`;
  const birthPlace = r.pick(CITIES);
  const street = `${r.pick(STREETS)}, ${r.int(10, 3999)}`;
  const phone = `+55 ${r.int(11, 99)} 9${digits(r, 4)}-${digits(r, 4)}`;
  const latText = fixed(lat + r.int(-500, 500) / 100000, 6);
  const lonText = fixed(lon + r.int(-500, 500) / 100000, 6);
  const daly = fixed(r.int(0, 2000) / 1000, 3);
  const qaly = fixed(r.int(20000, 80000) / 1000, 3);
  const married = r.chance(0.55);
  const prefix = gender === 'female' ? (married ? 'Sra.' : 'Srta.') : 'Sr.';
  const deceased = r.chance(0.03) ? `,"deceasedDateTime":"${dateTimeBr(c.clock - r.int(1, 300) * DAY)}"` : '';
  const div = escapeHtml(`Generated by Synthea. Version identifier: v3.2.0. Person seed: ${r.int(1, 2 ** 30)}. Population seed: ${r.int(1, 2 ** 30)}`);
  return (
    `{"resourceType":"Patient","id":"${c.patientId}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-patient`)},` +
    `"text":${narrative(div)},` +
    `"extension":[` +
    `{"url":"${US_CORE}/us-core-race","extension":[{"url":"ombCategory","valueCoding":${coding('urn:oid:2.16.840.1.113883.6.238', '2106-3', 'White')}},{"url":"text","valueString":"White"}]},` +
    `{"url":"${US_CORE}/us-core-ethnicity","extension":[{"url":"ombCategory","valueCoding":${coding('urn:oid:2.16.840.1.113883.6.238', '2186-5', 'Not Hispanic or Latino')}},{"url":"text","valueString":"Not Hispanic or Latino"}]},` +
    `{"url":"http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName","valueString":${q(mother)}},` +
    `{"url":"${US_CORE}/us-core-birthsex","valueCode":"${gender === 'female' ? 'F' : 'M'}"},` +
    `{"url":"http://hl7.org/fhir/StructureDefinition/patient-birthPlace","valueAddress":{"city":${q(birthPlace[0])},"state":"${birthPlace[1]}","country":"BR"}},` +
    `{"url":"http://synthetichealth.github.io/synthea/disability-adjusted-life-years","valueDecimal":${daly}},` +
    `{"url":"http://synthetichealth.github.io/synthea/quality-adjusted-life-years","valueDecimal":${qaly}}],` +
    `"identifier":[` +
    `{"system":"https://github.com/synthetichealth/synthea","value":"${r.uuid()}"},` +
    `{"type":{"coding":[${coding('http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', 'Medical Record Number')}],"text":"Medical Record Number"},"system":"http://hospital.smarthealthit.org","value":"${r.uuid()}"},` +
    `{"use":"official","type":{"coding":[${coding('http://terminology.hl7.org/CodeSystem/v2-0203', 'TAX', 'Tax ID number')}],"text":"CPF"},"system":"${CPF_SYSTEM}","value":"${cpf(r)}"},` +
    `{"type":{"coding":[${coding('http://terminology.hl7.org/CodeSystem/v2-0203', 'HC', 'Health Card Number')}],"text":"CNS"},"system":"${CNS_SYSTEM}","value":"${digits(r, 15)}"}],` +
    `"name":[{"use":"official","text":${q(`${given} ${family}`)},"family":${q(family)},"given":[${q(given)}],"prefix":[${q(prefix)}]}],` +
    `"telecom":[{"system":"phone","value":${q(phone)},"use":"mobile"},{"system":"email","value":${q(`${given}.${family}${r.int(1, 99)}@example.com.br`.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ /g, '.').toLowerCase())},"use":"home"}],` +
    `"gender":"${gender}","birthDate":"${dateOnly(birthMs)}"${deceased},` +
    `"address":[{"extension":[{"url":"http://hl7.org/fhir/StructureDefinition/geolocation","extension":[{"url":"latitude","valueDecimal":${latText}},{"url":"longitude","valueDecimal":${lonText}}]}],` +
    `"use":"home","line":[${q(street)}],"city":${q(city)},"state":"${state}","postalCode":"${zip}-${digits(r, 3)}","country":"BR"}],` +
    `"maritalStatus":${concept('http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', married ? 'M' : 'S', married ? 'Married' : 'Never Married')},` +
    `"multipleBirthBoolean":false,` +
    `"communication":[{"language":${concept('urn:ietf:bcp:47', 'pt-BR', 'Portuguese (Brazil)')}}],` +
    `"generalPractitioner":[${practitioner(r)}],` +
    `"managingOrganization":{"identifier":{"system":"${CNES_SYSTEM}","value":"${digits(r, 7)}"},"display":${q(r.pick(ORGS))}}}`
  );
}

interface EncounterPlan {
  id: string;
  start: number;
  end: number;
}

function encounterLine(c: Ctx, e: EncounterPlan): string {
  const r = c.r;
  const [cls, clsDisplay, code, display] = r.pick(ENCOUNTER_TYPES);
  const reason = r.chance(0.5) ? r.pick(CONDITIONS) : null;
  const doctor = practitioner(r);
  return (
    `{"resourceType":"Encounter","id":"${e.id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-encounter`)},` +
    `"text":${narrative(escapeHtml(`${display} — ${c.patientName}`))},` +
    `"identifier":[{"use":"official","system":"https://github.com/synthetichealth/synthea","value":"${e.id}"}],` +
    `"status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"${cls}","display":"${clsDisplay}"},` +
    `"type":[${concept(SCT, code, display)}],` +
    `"subject":${reference('Patient', c.patientId, c.patientName)},` +
    `"participant":[{"type":[{"coding":[${coding('http://terminology.hl7.org/CodeSystem/v3-ParticipationType', 'PPRF', 'primary performer')}],"text":"primary performer"}],` +
    `"period":{"start":"${dateTimeBr(e.start)}","end":"${dateTimeBr(e.end)}"},"individual":${doctor}}],` +
    `"period":{"start":"${dateTimeBr(e.start)}","end":"${dateTimeBr(e.end)}"},` +
    (reason ? `"reasonCode":[${concept(SCT, reason[0], reason[1])}],` : '') +
    `"location":[{"location":{"display":${q(`${r.pick(ORGS)} — consultório ${r.int(1, 12)}`)}}}],` +
    `"serviceProvider":{"identifier":{"system":"${CNES_SYSTEM}","value":"${digits(r, 7)}"},"display":${q(r.pick(ORGS))}}}`
  );
}

function observationLine(c: Ctx, id: string, kind: ObsKind, e: EncounterPlan, at: number): string {
  const r = c.r;
  const value = kind.value(r);
  const numeric = Number(value);
  const interp = numeric < Number(kind.low) ? ['L', 'Low'] : numeric > Number(kind.high) ? ['H', 'High'] : ['N', 'Normal'];
  const categoryDisplay = kind.category === 'vital-signs' ? 'Vital signs' : 'Laboratory';
  return (
    `{"resourceType":"Observation","id":"${id}","meta":${metaText(nextStamp(c), kind.profile)},` +
    `"text":${narrative(escapeHtml(`${kind.display}: ${value} ${kind.unit}`))},` +
    `"status":"final","category":[{"coding":[${coding('http://terminology.hl7.org/CodeSystem/observation-category', kind.category, categoryDisplay)}],"text":"${categoryDisplay}"}],` +
    `"code":${concept(LOINC, kind.code, kind.display)},` +
    `"subject":${reference('Patient', c.patientId, c.patientName)},` +
    `"encounter":${reference('Encounter', e.id)},` +
    `"effectiveDateTime":"${dateTimeBr(at)}","issued":"${instant(at + r.int(1, 120) * 60000)}",` +
    `"valueQuantity":{"value":${value},"unit":${q(kind.unit)},"system":"${UCUM}","code":${q(kind.ucum)}},` +
    `"interpretation":[{"coding":[${coding('http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', interp[0] ?? 'N', interp[1] ?? 'Normal')}]}],` +
    `"referenceRange":[{"low":{"value":${kind.low},"unit":${q(kind.unit)},"system":"${UCUM}","code":${q(kind.ucum)}},"high":{"value":${kind.high},"unit":${q(kind.unit)},"system":"${UCUM}","code":${q(kind.ucum)}}}]}`
  );
}

function conditionLine(c: Ctx, id: string, e: EncounterPlan): string {
  const r = c.r;
  const [code, display] = r.pick(CONDITIONS);
  const resolved = r.chance(0.4);
  const abate = resolved ? `,"abatementDateTime":"${dateTimeBr(e.start + r.int(5, 60) * DAY)}"` : '';
  return (
    `{"resourceType":"Condition","id":"${id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-condition-encounter-diagnosis`)},` +
    `"text":${narrative(escapeHtml(display))},` +
    `"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"${resolved ? 'resolved' : 'active'}"}]},` +
    `"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"confirmed"}]},` +
    `"category":[{"coding":[${coding('http://terminology.hl7.org/CodeSystem/condition-category', 'encounter-diagnosis', 'Encounter Diagnosis')}]}],` +
    `"code":${concept(SCT, code, display)},` +
    `"subject":${reference('Patient', c.patientId, c.patientName)},` +
    `"encounter":${reference('Encounter', e.id)},` +
    `"onsetDateTime":"${dateTimeBr(e.start)}"${abate},"recordedDate":"${dateTimeBr(e.start)}",` +
    `"asserter":${practitioner(r)}}`
  );
}

function medicationLine(c: Ctx, id: string, e: EncounterPlan, reasonId: string | undefined): string {
  const r = c.r;
  const [code, display, text] = r.pick(MEDICATIONS);
  const freq = r.int(1, 4);
  return (
    `{"resourceType":"MedicationRequest","id":"${id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-medicationrequest`)},` +
    `"text":${narrative(escapeHtml(`${display}: ${text}`))},` +
    `"status":"${r.chance(0.7) ? 'active' : 'stopped'}","intent":"order",` +
    `"category":[{"coding":[${coding('http://terminology.hl7.org/CodeSystem/medicationrequest-category', 'community', 'Community')}]}],` +
    `"medicationCodeableConcept":${concept(RXNORM, code, display)},` +
    `"subject":${reference('Patient', c.patientId, c.patientName)},` +
    `"encounter":${reference('Encounter', e.id)},` +
    `"authoredOn":"${dateTimeBr(e.start)}","requester":${practitioner(r)},` +
    (reasonId ? `"reasonReference":[${reference('Condition', reasonId)}],` : '') +
    `"dosageInstruction":[{"sequence":1,"text":${q(text)},"timing":{"repeat":{"frequency":${freq},"period":1.0,"periodUnit":"d"}},"asNeededBoolean":false,` +
    `"doseAndRate":[{"type":{"coding":[${coding('http://terminology.hl7.org/CodeSystem/dose-rate-type', 'ordered', 'Ordered')}]},"doseQuantity":{"value":${fixed(r.int(1, 2), 1)}}}]}]}`
  );
}

function allergyLine(c: Ctx, id: string, recorded: number): string {
  const r = c.r;
  const [code, display, category, reaction] = r.pick(ALLERGIES);
  const [rCode, rDisplay] = reaction.split('|') as [string, string];
  return (
    `{"resourceType":"AllergyIntolerance","id":"${id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-allergyintolerance`)},` +
    `"text":${narrative(escapeHtml(display))},` +
    `"clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},` +
    `"verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-verification","code":"confirmed"}]},` +
    `"type":"allergy","category":["${category}"],"criticality":"${r.pick(['low', 'high', 'unable-to-assess'])}",` +
    `"code":${concept(SCT, code, display)},` +
    `"patient":${reference('Patient', c.patientId, c.patientName)},` +
    `"recordedDate":"${dateTimeBr(recorded)}",` +
    `"reaction":[{"manifestation":[${concept(SCT, rCode, rDisplay)}],"severity":"${r.pick(['mild', 'moderate', 'severe'])}"}]}`
  );
}

function procedureLine(c: Ctx, id: string, e: EncounterPlan, reasonId: string | undefined): string {
  const r = c.r;
  const [code, display] = r.pick(PROCEDURES);
  const start = e.start + r.int(5, 30) * 60000;
  return (
    `{"resourceType":"Procedure","id":"${id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-procedure`)},` +
    `"text":${narrative(escapeHtml(display))},` +
    `"status":"completed","code":${concept(SCT, code, display)},` +
    `"subject":${reference('Patient', c.patientId, c.patientName)},` +
    `"encounter":${reference('Encounter', e.id)},` +
    `"performedPeriod":{"start":"${dateTimeBr(start)}","end":"${dateTimeBr(start + r.int(10, 45) * 60000)}"},` +
    (reasonId ? `"reasonReference":[${reference('Condition', reasonId)}],` : '') +
    `"performer":[{"actor":${practitioner(r)}}],` +
    `"location":{"display":${q(r.pick(ORGS))}}}`
  );
}

function immunizationLine(c: Ctx, id: string, e: EncounterPlan): string {
  const r = c.r;
  const [code, display] = r.pick(VACCINES);
  return (
    `{"resourceType":"Immunization","id":"${id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-immunization`)},` +
    `"text":${narrative(escapeHtml(display))},` +
    `"status":"completed","vaccineCode":${concept(CVX, code, display)},` +
    `"patient":${reference('Patient', c.patientId, c.patientName)},` +
    `"encounter":${reference('Encounter', e.id)},` +
    `"occurrenceDateTime":"${dateTimeBr(e.start)}","recorded":"${dateTimeBr(e.start)}","primarySource":true,` +
    `"lotNumber":"${r.hex(8).toUpperCase()}","expirationDate":"${dateOnly(e.start + r.int(60, 700) * DAY)}",` +
    `"site":${concept('http://terminology.hl7.org/CodeSystem/v3-ActSite', 'LA', 'left arm')},` +
    `"doseQuantity":{"value":${r.pick(['0.50', '0.30', '0.25', '1.0'])},"unit":"mL","system":"${UCUM}","code":"mL"},` +
    `"performer":[{"actor":${practitioner(r)}}]}`
  );
}

function reportLine(c: Ctx, id: string, panel: (typeof PANELS)[number], e: EncounterPlan, results: readonly string[], at: number): string {
  const r = c.r;
  let form = '';
  if (r.chance(0.35)) {
    const lines: string[] = [`Laudo: ${panel.display}`, `Paciente: ${c.patientName}`, `Data: ${dateTimeBr(at)}`, ''];
    const target = r.int(1500, 5000);
    let size = 0;
    for (let i = 0; size < target && i < 400; i++) {
      const l = r.pick(NOTE_LINES);
      lines.push(l);
      size += Buffer.byteLength(l) + 1;
    }
    const data = Buffer.from(lines.join('\n'), 'utf8').toString('base64');
    form = `,"presentedForm":[{"contentType":"text/plain; charset=utf-8","language":"pt-BR","data":"${data}","title":${q(panel.display)},"creation":"${dateTimeBr(at)}"}]`;
  }
  return (
    `{"resourceType":"DiagnosticReport","id":"${id}","meta":${metaText(nextStamp(c), `${US_CORE}/us-core-diagnosticreport-lab`)},` +
    `"status":"final","category":[{"coding":[${coding('http://terminology.hl7.org/CodeSystem/v2-0074', 'LAB', 'Laboratory')}]}],` +
    `"code":${concept(LOINC, panel.code, panel.display)},` +
    `"subject":${reference('Patient', c.patientId, c.patientName)},` +
    `"encounter":${reference('Encounter', e.id)},` +
    `"effectiveDateTime":"${dateTimeBr(at)}","issued":"${instant(at + r.int(60, 600) * 60000)}",` +
    `"performer":[{"identifier":{"system":"${CNES_SYSTEM}","value":"${digits(r, 7)}"},"display":"Laboratório Central"}],` +
    `"result":[${results.map((x) => reference('Observation', x)).join(',')}]${form}}`
  );
}

/** Spreads `n` items over `m` buckets at random (bucket index per item). */
function spread(r: Rng, n: number, m: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(r.int(0, m - 1));
  return out;
}

/** All resources of patient number `index`, in an order where references point backwards. */
function* patientResources(seed: number, index: number, startMs: number): Generator<SyntheticResource> {
  const r = createRng(mixSeed(seed, index + 1));
  const patientId = r.uuid();
  const gender: 'male' | 'female' = r.chance(0.5) ? 'female' : 'male';
  const given = r.pick(gender === 'female' ? GIVEN_F : GIVEN_M);
  const family = `${r.pick(FAMILY)} ${r.pick(FAMILY)}`;
  const birthMs = startMs - r.int(1 * 365, 90 * 365) * DAY;
  const c: Ctx = { r, patientId, patientName: `${given} ${family}`, clock: startMs + index * 60_000 };
  const mk = (type: string, id: string, line: string): SyntheticResource => ({ type, id, patientId, line });

  yield mk('Patient', patientId, patientLine(c, gender, given, family, birthMs));

  const nEnc = r.int(5, 15);
  const encounters: EncounterPlan[] = [];
  let t = startMs - r.int(700, 1090) * DAY;
  for (let i = 0; i < nEnc; i++) {
    t += r.int(7, 70) * DAY + r.int(0, 600) * 60000;
    const start = Math.min(t, startMs - DAY);
    encounters.push({ id: r.uuid(), start, end: start + r.int(15, 90) * 60000 });
  }
  // plan the clinical resources per encounter
  const nReports = r.int(1, 6);
  const reportPanels = Array.from({ length: nReports }, () => r.pick(PANELS));
  const reportResults = reportPanels.map((p) => r.int(1, p.labs.length));
  const resultTotal = reportResults.reduce((a, b) => a + b, 0);
  const nObs = Math.max(r.int(20, 80), resultTotal);
  const plan = {
    cond: spread(r, r.int(2, 6), nEnc),
    obs: spread(r, nObs - resultTotal, nEnc),
    rep: spread(r, nReports, nEnc),
    med: spread(r, r.int(2, 8), nEnc),
    proc: spread(r, r.int(1, 5), nEnc),
    imm: spread(r, r.int(2, 8), nEnc),
  };
  const nAllergies = r.int(0, 3);
  const conditions: string[] = [];
  let firstVital = true;

  for (let ei = 0; ei < nEnc; ei++) {
    const e = encounters[ei] as EncounterPlan;
    yield mk('Encounter', e.id, encounterLine(c, e));
    if (ei === 0) {
      for (let a = 0; a < nAllergies; a++) {
        const id = r.uuid();
        yield mk('AllergyIntolerance', id, allergyLine(c, id, e.start));
      }
    }
    for (const b of plan.cond) {
      if (b !== ei) continue;
      const id = r.uuid();
      conditions.push(id);
      yield mk('Condition', id, conditionLine(c, id, e));
    }
    for (const b of plan.obs) {
      if (b !== ei) continue;
      const id = r.uuid();
      // each patient's first vital sign is a temperature check (often exactly 36.50, a decimal that JSON round trips lose)
      const kind = firstVital ? BASELINE_TEMP : r.chance(0.7) ? r.pick(VITALS) : r.pick(LAB_LIST);
      firstVital = false;
      yield mk('Observation', id, observationLine(c, id, kind, e, e.start + r.int(1, 20) * 60000));
    }
    for (let k = 0; k < plan.rep.length; k++) {
      if (plan.rep[k] !== ei) continue;
      const panel = reportPanels[k] as (typeof PANELS)[number];
      const at = e.start + r.int(20, 60) * 60000;
      const results: string[] = [];
      for (let j = 0; j < (reportResults[k] ?? 1); j++) {
        const id = r.uuid();
        results.push(id);
        yield mk('Observation', id, observationLine(c, id, panel.labs[j] as ObsKind, e, at));
      }
      const id = r.uuid();
      yield mk('DiagnosticReport', id, reportLine(c, id, panel, e, results, at));
    }
    for (const b of plan.proc) {
      if (b !== ei) continue;
      const id = r.uuid();
      const reason = conditions.length > 0 && r.chance(0.5) ? r.pick(conditions) : undefined;
      yield mk('Procedure', id, procedureLine(c, id, e, reason));
    }
    for (const b of plan.med) {
      if (b !== ei) continue;
      const id = r.uuid();
      const reason = conditions.length > 0 && r.chance(0.7) ? r.pick(conditions) : undefined;
      yield mk('MedicationRequest', id, medicationLine(c, id, e, reason));
    }
    for (const b of plan.imm) {
      if (b !== ei) continue;
      const id = r.uuid();
      yield mk('Immunization', id, immunizationLine(c, id, e));
    }
  }
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new EngineError('INVALID_ARGUMENT', { name, value: String(n) });
}

/** Streams the resources of `opts.patients` patients, grouped by patient (Patient first, references point backwards). */
export function* generateResources(opts: SyntheticOptions): Generator<SyntheticResource> {
  checkCount('patients', opts.patients);
  const seed = opts.seed ?? DEFAULT_SEED;
  const startMs = parseStart(opts.startDate);
  for (let i = 0; i < opts.patients; i++) yield* patientResources(seed, i, startMs);
}

// ---------------------------------------------------------------------------------------------
// NDJSON files

/** Buffered line writer with back-pressure (awaits 'drain'). */
class LineSink {
  private chunks: string[] = [];
  private size = 0;
  private readonly stream: WriteStream;
  constructor(file: string) {
    this.stream = createWriteStream(file, { encoding: 'utf8' });
  }
  async write(line: string): Promise<void> {
    this.chunks.push(line, '\n');
    this.size += line.length + 1;
    if (this.size >= 256 * 1024) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.chunks.length === 0) return;
    const text = this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

/** Writes one NDJSON file per type (<Type>.ndjson) in dir, streaming (memory bounded), like a Bulk Data export. */
export async function writeNdjsonDataset(dir: string, opts: SyntheticOptions & { targetBytes?: number }): Promise<NdjsonDatasetInfo> {
  const seed = opts.seed ?? DEFAULT_SEED;
  const startMs = parseStart(opts.startDate);
  const target = opts.targetBytes;
  if (target !== undefined && (!Number.isFinite(target) || target <= 0)) throw new EngineError('INVALID_ARGUMENT', { name: 'targetBytes', value: String(target) });
  if (target === undefined) checkCount('patients', opts.patients);
  await mkdir(dir, { recursive: true });
  const sinks = new Map<string, LineSink>();
  const counts: Record<string, number> = {};
  let bytes = 0;
  let resources = 0;
  try {
    for (let i = 0; target !== undefined ? bytes < target : i < opts.patients; i++) {
      for (const res of patientResources(seed, i, startMs)) {
        let sink = sinks.get(res.type);
        if (!sink) {
          sink = new LineSink(path.join(dir, `${res.type}.ndjson`));
          sinks.set(res.type, sink);
        }
        await sink.write(res.line);
        counts[res.type] = (counts[res.type] ?? 0) + 1;
        bytes += Buffer.byteLength(res.line) + 1;
        resources++;
      }
    }
  } finally {
    for (const s of sinks.values()) await s.close();
  }
  const files = [...sinks.keys()].sort().map((t) => path.join(dir, `${t}.ndjson`));
  return { dir, files, counts, bytes, resources };
}

// ---------------------------------------------------------------------------------------------
// mutation

const HEAD = /^\{"resourceType":"([A-Za-z]+)","id":"([^"]+)"/;

function keyOf(line: string): string | null {
  const m = HEAD.exec(line);
  if (m) return `${m[1]}/${m[2]}`;
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (typeof o['resourceType'] === 'string' && typeof o['id'] === 'string') return `${o['resourceType']}/${o['id']}`;
    }
  } catch {
    return null;
  }
  return null;
}

/** Adds `step` units of the last decimal place to a decimal text, keeping its form (fixed or exponent). */
function bumpDecimal(text: string, step: number): string {
  const m = /^(-?\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m) return text;
  const places = m[2]?.length ?? 0;
  const mantissa = Number(`${m[1]}${m[2] ? `.${m[2]}` : ''}`) + step / 10 ** places;
  return `${mantissa.toFixed(places)}${m[3] !== undefined ? `e${m[3]}` : ''}`;
}

/** Changes one line: versionId + 1, lastUpdated later, and a value (an Observation's quantity, else the narrative). */
export function mutateLine(line: string, r: Rng): string {
  let out = line.replace(/"versionId":"(\d+)"/, (_w, v: string) => `"versionId":"${Number(v) + 1}"`);
  out = out.replace(/"lastUpdated":"([^"]+)"/, (_w, v: string) => {
    const ms = Date.parse(v);
    const next = Number.isFinite(ms) ? ms + 30 * DAY + r.int(0, DAY / 1000) * 1000 : Date.UTC(2024, 6, 1);
    return `"lastUpdated":"${instant(next)}"`;
  });
  const before = out;
  out = out.replace(/"valueQuantity":\{"value":(-?[0-9][0-9.eE+-]*)/, (_w, v: string) => `"valueQuantity":{"value":${bumpDecimal(v, r.int(1, 9))}`);
  if (out === before) {
    const marked = out.replace(/<\/div>"/, ` [rev]</div>"`);
    out = marked !== out ? marked : out.replace(/\}$/, `,"extension":[{"url":"urn:clinic-backup:sandbox:rev","valueString":"${r.hex(8)}"}]}`);
  }
  return out;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of rl) if (line.length > 0) n++;
  return n;
}

/** Picks k distinct indices in [0, n) (Floyd's algorithm: memory O(k)). */
function sample(r: Rng, n: number, k: number): Set<number> {
  const out = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = r.int(0, j);
    out.add(out.has(t) ? j : t);
  }
  return out;
}

/**
 * Changes `fraction` of the resources in the NDJSON files of dir in place (scattered: every file, random
 * positions; bumps meta.versionId and meta.lastUpdated and changes a value), streaming; returns the changed keys "Type/id".
 */
export async function mutateNdjsonDataset(dir: string, opts: { fraction: number; seed?: number }): Promise<{ changed: string[] }> {
  if (!(opts.fraction >= 0 && opts.fraction <= 1)) throw new EngineError('INVALID_ARGUMENT', { name: 'fraction', value: String(opts.fraction) });
  const r = createRng(mixSeed(opts.seed ?? DEFAULT_SEED, 0x5eed));
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ndjson')).sort();
  const changed: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const n = await countLines(file);
    let k = Math.round(n * opts.fraction);
    if (k === 0 && opts.fraction > 0 && n > 0) k = 1;
    if (k === 0) continue;
    const picked = sample(r, n, k);
    const tmp = `${file}.mutating`;
    const sink = new LineSink(tmp);
    try {
      const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
      let i = 0;
      for await (const line of rl) {
        if (line.length === 0) continue;
        if (picked.has(i)) {
          const key = keyOf(line);
          if (key) changed.push(key);
          await sink.write(mutateLine(line, r));
        } else {
          await sink.write(line);
        }
        i++;
      }
      await sink.close();
    } catch (err) {
      // Best effort: the temporary file is removed next; the first error is the one reported.
      await sink.close().catch(() => undefined);
      await rm(tmp, { force: true });
      throw err;
    }
    await rename(tmp, file);
  }
  return { changed };
}

// ---------------------------------------------------------------------------------------------
// patient compartment

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
