import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DR_SCENARIOS, drPlanDocument, drPlanGaps, drPlanHtml, drPlanPdf } from '../../src/reports/drPlan.js';
import { tempDir } from '../support/tmp.js';
import { planData } from './fixtures.js';
import { checkHtml, htmlText, pdfInfo, pdfText, POPPLER_SKIP } from './helpers.js';

/** Whitespace collapsed, and paths re-joined where a line was wrapped after "/". */
const flat = (s: string): string => s.replace(/\/[ \t]*\n\s*/g, '/').replace(/\s+/g, ' ');

describe('DR plan gaps', () => {
  it('a 3-2-1 configuration with a stored kit, contacts and a passed drill has none', () => {
    assert.deepEqual(drPlanGaps(planData()), []);
  });

  it('names each weak point of a thin configuration', () => {
    const gaps = drPlanGaps(
      planData({
        destinations: [{ kind: 'local', location: '/mnt/nas', offsite: false, immutable: false }],
        recoveryKit: { location: null },
        contacts: [],
        retention: { legalFloorYears: 5 },
        lastDrill: { at: '2026-01-01T00:00:00Z', passed: false },
      }),
    );
    assert.deepEqual(gaps, ['singleCopy', 'noOffsite', 'noImmutable', 'kitUnknown', 'noContacts', 'floorBelowLaw', 'drillFailed']);
    assert.deepEqual(drPlanGaps(planData({ destinations: [], lastDrill: null, recoveryKit: { location: 'cofre' } })), ['noDestination', 'kitUnconfirmed', 'noDrill']);
  });
});

describe('DR plan PDF', { skip: POPPLER_SKIP }, () => {
  it('pt-BR: configuration, targets, kit, contacts and the five scenarios filled in with this clinic', async () => {
    const dir = await tempDir();
    const pdf = await drPlanPdf(planData(), 'pt-BR');
    const info = pdfInfo(dir, pdf);
    const pages = Number(info['Pages']);
    assert.ok(pages >= 3, `multi-page plan, got ${pages}`);
    assert.equal(info['Title'], 'Plano de recuperação de desastres');
    const text = flat(pdfText(dir, pdf));
    for (const s of [
      'Plano de recuperação de desastres',
      'Clínica São Lucas – Cardiologia',
      'Prontuário eletrônico (https://fhir.saolucas.local/fhir/R4)',
      '3 destinos, 2 fora da clínica, 1 protegido contra apagamento',
      'Regra 3-2-1 atendida',
      's3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup',
      'sim, 30 dias',
      'disco desconectado',
      // targets (SOP-019 §5.1 by tier)
      'Patient, AllergyIntolerance 15 min',
      // schedules, described by the scheduler
      'A cada 15 minutos',
      'Toda semana, aos domingos, às 02:00',
      // retention and legal floor
      'os 96 pontos de restauração mais recentes',
      'uma por ano, sem limite',
      '20 anos (mínimo legal: 20 anos)',
      'Lei 13.787/2018',
      // kit and contacts
      'Cofre do consultório 2 (chave com a Dra. Ana)',
      'em 01/03/2026 por Dra. Ana Ribeiro',
      'Suporte de TI TecSaúde Informática – João (11) 3333-4444',
      'Encarregado de dados (DPO) Marcos Lima',
      'Contador Escritório Prado',
      // scenarios
      '8.1 Computador perdido ou roubado',
      '8.2 NAS ou disco USB com defeito',
      '8.3 Ransomware (arquivos sequestrados)',
      '8.4 Servidor FHIR corrompido ou perdido',
      '8.5 Prontuário de um paciente danificado',
      'clinic-backup connect --repo /mnt/nas-recepcao/clinic-backup',
      'clinic-backup connect --repo s3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup',
      'usando a cópia "Nuvem Magalu"',
      'a partir da cópia "Nuvem Magalu"',
      'clinic-backup check --read-data --repo /mnt/nas-recepcao/clinic-backup',
      'clinic-backup replicate --from s3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup --to /mnt/nas-recepcao/clinic-backup',
      'clinic-backup restore <snapshot> --target-url https://fhir.saolucas.local/fhir/R4',
      'clinic-backup restore <snapshot> --patient <id> --target <pasta>',
      'clinic-backup restore <snapshot> --patient <id> --target-url https://fhir.saolucas.local/fhir/R4',
      'clinic-backup backup --source https://fhir.saolucas.local/fhir/R4 --full',
      'clinic-backup key list',
      'Não pague o resgate.',
      'Resolução CD/ANPD nº 15/2024',
      'perda de no máximo 15 min de trabalho',
      '9. Depois de qualquer recuperação',
      'Revisão do plano (preencha à mão)',
      `Página ${pages} de ${pages}`,
    ])
      assert.ok(text.includes(s), `missing "${s}"`);
    // scenarios in SOP order
    const titles = ['8.1 Computador perdido', '8.2 NAS ou disco USB', '8.3 Ransomware', '8.4 Servidor FHIR', '8.5 Prontuário de um paciente'];
    assert.equal(titles.length, DR_SCENARIOS.length);
    const at = titles.map((title) => text.indexOf(title));
    assert.ok(at.every((x) => x > text.indexOf('8. O que fazer')));
    assert.deepEqual(
      [...at].sort((x, y) => x - y),
      at,
    );
  });

  it('en: a thin configuration gets warnings in the summary and in the scenarios', async () => {
    const dir = await tempDir();
    const pdf = await drPlanPdf(
      planData({
        destinations: [{ label: 'Office NAS', kind: 'local', location: '/mnt/nas/backup', offsite: false, immutable: false }],
        recoveryKit: { location: null },
        contacts: [],
      }),
      'en',
    );
    const text = flat(pdfText(dir, pdf));
    for (const s of [
      'Weak points to fix',
      'There is only one backup destination.',
      'No copy away from the clinic',
      'ransomware could delete them all',
      'Where the recovery kit is kept was not recorded.',
      'No emergency contact recorded.',
      'No contact recorded: fill in by hand',
      'There is no other copy configured',
      'No copy protected against deletion',
      '8.3 Ransomware (files held to ransom)',
      'location not recorded',
    ])
      assert.ok(text.includes(s), `missing "${s}"`);
  });
});

describe('DR plan HTML', () => {
  it('is well formed, has every scenario and escapes configuration text', () => {
    const html = drPlanHtml(planData({ clinicName: 'Clínica <script>x()</script>', contacts: [{ role: 'it', name: 'A & B "TI"' }] }), 'pt-BR');
    assert.deepEqual(checkHtml(html).problems, []);
    assert.ok(!html.includes('<script>x()'));
    assert.ok(html.includes('Clínica &lt;script&gt;x()&lt;/script&gt;'));
    const text = htmlText(html);
    for (let i = 1; i <= 5; i++) assert.match(text, new RegExp(`8\\.${i} `));
    assert.ok(text.includes('A & B "TI"'));
    assert.equal((html.match(/<div class="page-break"><\/div>/g) ?? []).length, 1);
  });

  it('the same document drives HTML and PDF (one source of text)', () => {
    const d = drPlanDocument(planData(), 'en');
    assert.equal(d.locale, 'en');
    assert.ok(d.blocks.some((b) => b.kind === 'heading' && b.text === '8. What to do in each situation'));
  });
});
