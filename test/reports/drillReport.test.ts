import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { drillReportHtml, drillReportPdf, drillTimeChecks } from '../../src/reports/drillReport.js';
import { tempDir } from '../support/tmp.js';
import { drillData, failedDrillData } from './fixtures.js';
import { checkHtml, htmlText, pdfInfo, pdfText, POPPLER_SKIP } from './helpers.js';

const flat = (s: string): string => s.replace(/\s+/g, ' ');
const MIN = 60_000;

describe('drill recovery times against the SOP-019 targets', () => {
  it('judges first critical data, each tier, the full restore and the MTTR goal, with the ±10% tolerance', () => {
    const checks = drillTimeChecks(drillData());
    assert.deepEqual(
      checks.map((c) => [c.kind, c.targetMs / MIN, c.withinTarget]),
      [
        ['firstCritical', 60, true],
        ['critical', 60, true],
        ['essential', 240, true],
        ['important', 1440, true],
        ['auxiliary', 1440, true],
        ['full', 1440, true],
        ['mttr', 120, true],
      ],
    );
    const edge = (ms: number): boolean | null => drillTimeChecks(drillData({ timeToFirstCriticalMs: ms })).find((c) => c.kind === 'firstCritical')!.withinTarget;
    assert.equal(edge(66 * MIN), true, '66 min is within 60 min + 10%');
    assert.equal(edge(67 * MIN), false);
  });

  it('the full restore is held to the slowest tier actually restored; unmeasured times are not judged', () => {
    const onlyCritical = drillData({ resources: [{ resourceType: 'Patient', expected: 3, restored: 3 }], tierCompletedMs: null, recoveryTimeMs: 90 * MIN });
    const full = drillTimeChecks(onlyCritical).find((c) => c.kind === 'full')!;
    assert.equal(full.targetMs, 60 * MIN);
    assert.equal(full.withinTarget, false);
    const none = drillTimeChecks(drillData({ recoveryTimeMs: null, timeToFirstCriticalMs: null, tierCompletedMs: null }));
    assert.ok(none.every((c) => c.withinTarget === null && c.measuredMs === null));
  });
});

describe('drill report PDF', { skip: POPPLER_SKIP }, () => {
  it('pt-BR: what, when, who, snapshot, source, results per type, checks, score, times and bytes', async () => {
    const dir = await tempDir();
    const pdf = await drillReportPdf(drillData(), 'pt-BR');
    const info = pdfInfo(dir, pdf);
    assert.equal(info['Title'], 'Relatório de teste de recuperação');
    const text = flat(pdfText(dir, pdf));
    for (const s of [
      'Relatório de teste de recuperação',
      'APROVADO: os backups podem ser restaurados.',
      '96.172 de 96.172 recursos restaurados; nota de integridade 100%; tempo de recuperação 7 min 21 s.',
      'O que foi testado',
      '01/03/2026 12:00 a 01/03/2026 12:07',
      'recepcao (computador PC-RECEPCAO)',
      'pelo agendamento mensal',
      'c0ffee12 (01/03/2026 11:45)',
      'https://fhir.saolucas.local/fhir/R4',
      '/mnt/nas-recepcao/clinic-backup',
      'servidor de teste, isolado (sandbox)',
      '183,4 MB',
      'Primeiros dados críticos disponíveis (pacientes, alergias)',
      'Contagem por tipo',
      '9 tipos conferidos, 0 com diferença',
      'Conteúdo (hash de cada recurso)',
      '96.172 conferidos, 0 diferentes',
      '151.004 referências, 0 sem destino',
      '25 pacientes sorteados, 25 completos (2.140 recursos)',
      '100% (meta: pelo menos 99,9%)',
      'Nenhuma falha.',
      'Conferido por (preencha à mão)',
    ])
      assert.ok(text.includes(s), `missing "${s}"`);
    // Types by the names the clinic uses, never the FHIR code.
    for (const type of ['Paciente', 'Alergia', 'Consulta', 'Diagnóstico', 'Prescrição', 'Observação', 'Agendamento', 'Profissional de saúde', 'Registro de auditoria'])
      assert.ok(text.includes(type), type);
    for (const code of ['AllergyIntolerance', 'MedicationRequest', 'AuditEvent']) assert.equal(text.includes(code), false, code);
    // restore order: critical first, logs last
    assert.ok(text.indexOf('Paciente Crítico') < text.indexOf('Observação Essencial'));
    assert.ok(text.indexOf('Observação Essencial') < text.indexOf('Registro de auditoria Auxiliar'));
    assert.ok(text.includes('48.210'));
  });

  it('en: a failed drill lists each failure with a plain next step and the engine error text', async () => {
    const dir = await tempDir();
    const text = flat(pdfText(dir, await drillReportPdf(failedDrillData(), 'en')));
    for (const s of [
      'FAILED: the restore was not complete.',
      'Resources of type Observation are missing: 20 fewer than in the snapshot.',
      'What to do: run "clinic-backup check --read-data"',
      'The content of 3 resources of type Observation came back different from what was stored. Damaged data file: data/3a/3a91c4.',
      'then "clinic-backup check --repair", which replaces damaged files with good copies from another destination',
      '20 references point to resources that are not in the snapshot. (example: DiagnosticReport/881 -> Observation/52011)',
      'Take a full backup (the weekly reconciliation) and repeat the drill.',
      'The recovery took longer than the target.',
      'keep a local copy (NAS or USB disk)',
      '1 h 35 min',
      '3 h',
      '99.9% (goal: at least 99.9%)',
    ])
      assert.ok(text.includes(s), `missing "${s}"`);
    assert.match(text, /First critical data available \(patients, allergies\) 1 h 35 min 1 ?h FAILED/);
  });
});

describe('drill report HTML', () => {
  it('is well formed, carries the same facts and escapes the operator and source', () => {
    const html = drillReportHtml(drillData({ operator: '<b>root</b>', snapshot: { id: 'abc', time: '2026-03-01T14:45:00Z', source: 'https://x/<fhir>' } }), 'en');
    assert.deepEqual(checkHtml(html).problems, []);
    assert.ok(!html.includes('<b>root</b>'));
    const text = htmlText(html);
    for (const s of ['PASSED: the backups can be restored.', '<b>root</b> (computer PC-RECEPCAO)', 'https://x/<fhir>', 'Counts per type', '183.4 MB', 'Full restore vs MTTR goal (SOP-019 §7.2)'])
      assert.ok(text.includes(s), s);
  });
});
