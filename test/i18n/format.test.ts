/**
 * The message formatter (placeholders and ICU plurals through Intl.PluralRules), one for the engine and the user
 * interface: the table of cases in both languages, through the catalogue's surface and the file the renderer loads.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatMessage as engineFormat, messageArguments } from '../../src/i18n/index.js';
import { formatMessage as uiFormat } from '../../src/shared/portable/messageFormat.js';

const RECORDS = '{count, plural, =0 {nenhum registro} one {# registro} other {# registros}}';
const CASES: readonly { template: string; params: Record<string, string | number | null | readonly string[]>; locale: string; expected: string }[] = [
  { template: RECORDS, params: { count: 0 }, locale: 'pt-BR', expected: 'nenhum registro' },
  { template: RECORDS, params: { count: 1 }, locale: 'pt-BR', expected: '1 registro' },
  { template: RECORDS, params: { count: 2 }, locale: 'pt-BR', expected: '2 registros' },
  { template: RECORDS, params: { count: 12345 }, locale: 'pt-BR', expected: '12.345 registros' },
  { template: '{n, plural, one {# record} other {# records}} in {place}', params: { n: 1234, place: 'NAS' }, locale: 'en', expected: '1,234 records in NAS' },
  { template: '{n, plural, one {# record} other {# records}}', params: { n: 1 }, locale: 'en', expected: '1 record' },
  // Portuguese counts 0 and 1 as "one" (Intl.PluralRules for pt); an exact =0 wins over it.
  { template: '{n, plural, one {# dia} other {# dias}}', params: { n: 0 }, locale: 'pt-BR', expected: '0 dia' },
  { template: 'faltam {n, plural, one {# dia} other {# dias}} para {what}', params: { n: 3, what: 'o teste' }, locale: 'pt-BR', expected: 'faltam 3 dias para o teste' },
  { template: '{a} e {b}', params: { a: 'x', b: null }, locale: 'pt-BR', expected: 'x e —' },
  { template: 'lista: {items}', params: { items: ['a', 'b'] }, locale: 'pt-BR', expected: 'lista: a, b' },
  { template: 'sem valor: {missing}', params: {}, locale: 'pt-BR', expected: 'sem valor: {missing}' },
  { template: '{n, plural, one {um de {total}} other {# de {total}}}', params: { n: 2, total: 9 }, locale: 'pt-BR', expected: '2 de 9' },
  { template: 'JSON como {"a": 1} fica igual', params: {}, locale: 'pt-BR', expected: 'JSON como {"a": 1} fica igual' },
  { template: '{n, plural, one {# item} other {# itens}}', params: { n: 'não é número' }, locale: 'pt-BR', expected: '# itens' },
  // A count already written for people keeps its text; its digits choose the branch.
  { template: '{n, plural, one {# registro} other {# registros}}', params: { n: '1.234' }, locale: 'pt-BR', expected: '1.234 registros' },
  { template: '{n, plural, one {# registro} other {# registros}}', params: { n: '1' }, locale: 'pt-BR', expected: '1 registro' },
];

describe('message formatter', () => {
  it('fills placeholders and plurals; the engine and the user interface use the one formatter', () => {
    assert.equal(engineFormat, uiFormat, 'the catalogue re-exports the portable formatter, no copy');
    for (const c of CASES) assert.equal(uiFormat(c.template, c.params, c.locale), c.expected, `${c.template} ${JSON.stringify(c.params)}`);
  });

  it('names the arguments of a template, including those inside plural branches, never the branch texts', () => {
    assert.deepEqual(messageArguments(RECORDS), ['count']);
    assert.deepEqual(messageArguments('{n, plural, =0 {nada} one {um de {total}} other {# de {total}}} em {place}'), ['n', 'place', 'total']);
  });
});
