/** FHIR types by their names in the clinic's language: one table for the engine and the screens. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FHIR_TYPE_NAMES, fhirTypeName } from '../../src/i18n/index.js';
import { FHIR_TYPE_NAMES as UI_NAMES, fhirTypeName as uiName } from '../../src/shared/portable/fhirTypeNames.js';
import { TIER_TYPES } from '../../src/policy/tiers.js';

it('names every type of the restore tiers in both languages; the engine and the screens use the one table', () => {
  assert.equal(UI_NAMES, FHIR_TYPE_NAMES);
  for (const type of Object.values(TIER_TYPES).flat()) {
    assert.ok(FHIR_TYPE_NAMES[type], `${type} has a name`);
    assert.notEqual(fhirTypeName(type, 'pt-BR'), type, `${type} is translated`);
  }
  assert.equal(fhirTypeName('Patient', 'pt-BR'), 'Paciente');
  assert.equal(fhirTypeName('Encounter', 'pt-BR'), 'Consulta');
  assert.equal(uiName('Observation', 'pt-BR'), 'Observação');
});

it("a server's administration records have plain names too (they are listed in a restore's preview)", async () => {
  const { ADMINISTRATION_TYPES } = await import('../../src/restorer/adminTypes.js');
  for (const type of ['Project', 'ProjectMembership', 'ClientApplication', 'User', 'Bot', 'AccessPolicy']) {
    assert.ok(ADMINISTRATION_TYPES['medplum']?.includes(type), type);
    assert.notEqual(fhirTypeName(type, 'pt-BR'), `Outro tipo de registro (${type})`, `${type} is named`);
  }
  assert.equal(fhirTypeName('ClientApplication', 'pt-BR'), 'Aplicativo conectado');
});

it('an unlisted type keeps its code after a plain label, never a bare code', () => {
  assert.equal(fhirTypeName('MyClinicThing', 'pt-BR'), 'Outro tipo de registro (MyClinicThing)');
  assert.equal(uiName('MyClinicThing', 'en'), 'Other kind of record (MyClinicThing)');
  assert.equal(fhirTypeName('constructor', 'pt-BR'), 'Outro tipo de registro (constructor)');
});
