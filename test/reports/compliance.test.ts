import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { complianceFindings, complianceHtml, compliancePdf, compliancePeriod } from '../../src/reports/compliance.js';
import { tempDir } from '../support/tmp.js';
import { complianceData } from './fixtures.js';
import { checkHtml, htmlText, pdfText, POPPLER_SKIP } from './helpers.js';

const flat = (s: string): string => s.replace(/\/[ \t]*\n\s*/g, '/').replace(/\s+/g, ' ');

describe('compliance findings', () => {
  it('rates each area of the fixture clinic', () => {
    const levels = Object.fromEntries(complianceFindings(complianceData()).map((f) => [f.area, f.level]));
    assert.deepEqual(levels, {
      encryption: 'ok',
      residency: 'attention', // one destination abroad, acknowledged
      retention: 'ok',
      drills: 'attention', // one month's drill failed: 11 of 12 months
      alerts: 'attention', // a medium alert still open
      audit: 'ok',
      backups: 'ok',
    });
  });

  it('flags missing recovery keys, unknown residency, a low floor, no drills, open critical alerts and a broken audit chain', () => {
    const findings = complianceFindings(
      complianceData({
        encryption: { keySlots: [{ kind: 'keychain', name: 'k', created: '2026-01-01T00:00:00Z' }] },
        destinations: [{ kind: 's3', location: 's3:b/p', residency: 'unknown' }],
        retention: { legalFloorYears: 5 },
        drills: [],
        alerts: [{ rule: 'integrity', severity: 'critical', messageKey: 'x', firstAt: '2026-02-01T00:00:00Z', clearedAt: null }],
        audit: { ok: false, count: 50, firstBadSeq: 42, problem: 'hash-mismatch' },
        backups: { total: 100, succeeded: 90 },
      }),
    );
    assert.deepEqual(
      findings.map((f) => [f.area, f.level, f.key.replace('reports.compliance.finding.', '')]),
      [
        ['encryption', 'problem', 'noRecoverySlot'],
        ['residency', 'problem', 'residencyUnknown'],
        ['retention', 'problem', 'floorBelow'],
        ['drills', 'problem', 'noDrills'],
        ['alerts', 'problem', 'alertsOpen'],
        ['audit', 'problem', 'auditBroken'],
        ['backups', 'attention', 'backupsBelow'],
      ],
    );
  });

  it('the period is the 12 months before generation and drills outside it are ignored', () => {
    const p = compliancePeriod(complianceData());
    assert.equal(p.from.toISOString(), '2025-03-02T14:30:00.000Z');
    assert.equal(p.to.toISOString(), '2026-03-02T14:30:00.000Z');
    const lastFailed = complianceFindings(complianceData({ drills: [{ startedAt: '2026-02-01T15:00:00Z', status: 'failed' }] })).find((f) => f.area === 'drills');
    assert.equal(lastFailed?.key, 'reports.compliance.finding.lastDrillFailed');
  });
});

describe('compliance PDF', { skip: POPPLER_SKIP }, () => {
  it('pt-BR: encryption, residency, retention, drills, alerts, incidents and the audit chain', async () => {
    const dir = await tempDir();
    const text = flat(pdfText(dir, await compliancePdf(complianceData(), 'pt-BR')));
    for (const s of [
      'Resumo de conformidade (LGPD / HIPAA)',
      'Período: 02/03/2025 a 02/03/2026',
      'AES-256-GCM, com verificação de integridade de cada bloco',
      'chaveiro do sistema operacional + kit de recuperação impresso',
      'Este computador abre o repositório com o chaveiro do sistema operacional',
      'kit de recuperação recovery kit 2026-03-01',
      'LGPD art. 11',
      'Brasil (região da nuvem)',
      'fora do Brasil (com ciência)',
      'Dra. Ana Ribeiro, 10/06/2025',
      'na clínica (pasta local)',
      's3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup',
      's3:clinica-sao-lucas-dr/backup',
      'us-east-1',
      '20 anos (mínimo legal: 20 anos)',
      '10/02/2025',
      '34.871 de 34.900 com sucesso (99,9%)',
      '12 (11 aprovados, 1 com falha)',
      '11 de 12',
      'Testes aprovados em 11 dos 12 meses',
      'abaixo de 2 h',
      'crítico: 0; alto: 1; médio: 1; baixo: 1',
      'Backup atrasado em NAS da recepção',
      'NAS da recepção 83% cheio',
      'em aberto',
      'NAS desligado por queda de energia',
      'cadeia verificada: 8.123 registros íntegros',
      'a3f1c9e07b2d4e5f',
      'Cadeia de 8.123 registros verificada, sem alterações.',
      'Responsável (preencha à mão)',
    ])
      assert.ok(text.includes(s), `missing "${s}"`);
    assert.ok(!text.includes('2024'), 'the drill before the period is left out');
  });

  it('en: a broken audit chain names the first bad entry', async () => {
    const dir = await tempDir();
    const text = flat(pdfText(dir, await compliancePdf(complianceData({ audit: { ok: false, count: 57, firstBadSeq: 42, problem: 'chain-broken' } }), 'en')));
    for (const s of ['chain broken at entry no. 42 (57 entries read)', 'an earlier entry was removed or replaced', 'Audit log altered or incomplete from entry no. 42.', 'PROBLEM'])
      assert.ok(text.includes(s), `missing "${s}"`);
  });
});

describe('compliance HTML', () => {
  it('is well formed and escapes incident text', () => {
    const html = complianceHtml(complianceData({ incidents: [{ at: '2026-01-10T10:00:00Z', summary: '<img src=x onerror=alert(1)> queda', resolvedAt: null }] }), 'en');
    assert.deepEqual(checkHtml(html).problems, []);
    assert.ok(!html.includes('<img src=x'));
    const text = htmlText(html);
    for (const s of ['Compliance summary (LGPD / HIPAA)', '<img src=x onerror=alert(1)> queda', 'AES-256-GCM', 'outside Brazil (acknowledged)', 'chain verified: 8,123 entries intact'])
      assert.ok(text.includes(s), s);
  });
});

describe('compliance: the people in charge (SOP-019 §4)', () => {
  it('prints each contact by role, where the kit is kept, and says so when nobody or no place was recorded', () => {
    const html = complianceHtml(
      complianceData({
        contacts: [
          { role: 'owner', name: 'Dra. Ana Souza', phone: '(11) 98888-1234' },
          { role: 'dpo', name: 'Beatriz Rocha', email: 'dpo@clinica.test' },
          { role: 'Contador', name: 'Paulo' },
        ],
        kitLocation: 'Cofre do consultório',
      }),
      'pt-BR',
    );
    assert.deepEqual(checkHtml(html).problems, []);
    const text = htmlText(html);
    for (const s of [
      '7. Pessoas responsáveis e kit de recuperação',
      'Responsável pela clínica',
      'Dra. Ana Souza',
      '(11) 98888-1234',
      'Encarregado de dados (DPO)',
      'dpo@clinica.test',
      'Contador',
      'Cofre do consultório',
    ])
      assert.ok(text.includes(s), s);
    const blank = htmlText(complianceHtml(complianceData({ contacts: [], kitLocation: null }), 'en'));
    assert.ok(blank.includes('No contact recorded (clinic owner, IT support, data protection officer)'), blank.slice(0, 200));
    assert.ok(blank.includes('location not recorded'));
  });
});
