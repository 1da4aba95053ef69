// The HTML versions printed by a real browser (Chromium headless, as the e2e tests use): the recovery
// kit fits one A4 sheet and every report prints its text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { complianceHtml } from '../../src/reports/compliance.js';
import { drPlanHtml } from '../../src/reports/drPlan.js';
import { drillReportHtml } from '../../src/reports/drillReport.js';
import { recoveryKitHtml } from '../../src/reports/recoveryKit.js';
import { tempDir } from '../support/tmp.js';
import { complianceData, drillData, kitData, planData, REPO_ID } from './fixtures.js';
import { HAS_POPPLER, pdfInfo, pdfText } from './helpers.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SKIP = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM}` : !HAS_POPPLER ? 'poppler-utils not installed' : false;

function printHtml(dir: string, name: string, html: string): Buffer {
  const file = path.join(dir, `${name}.html`);
  const out = path.join(dir, `${name}.pdf`);
  writeFileSync(file, html);
  execFileSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      `--user-data-dir=${path.join(dir, `profile-${name}`)}`,
      '--no-pdf-header-footer',
      `--print-to-pdf=${out}`,
      pathToFileURL(file).href,
    ],
    { stdio: 'ignore', timeout: 120_000 },
  );
  return readFileSync(out);
}

describe('HTML reports printed by Chromium', { skip: SKIP }, () => {
  for (const locale of ['pt-BR', 'en'] as const) {
    it(`${locale}: the recovery kit prints on one A4 page with its key`, async () => {
      const dir = await tempDir();
      const pdf = printHtml(dir, `kit-${locale}`, recoveryKitHtml(kitData(), locale));
      const info = pdfInfo(dir, pdf);
      assert.equal(info['Pages'], '1');
      assert.match(info['Page size'] ?? '', /A4/);
      const text = pdfText(dir, pdf);
      assert.ok(text.includes('Clínica São Lucas') && !text.includes(REPO_ID), 'the clinic by name, not the repository id');
    });
  }

  it('the drill report, DR plan and compliance summary print with their content', async () => {
    const dir = await tempDir();
    const cases: [string, string, string][] = [
      ['drill', drillReportHtml(drillData(), 'pt-BR'), 'APROVADO: os backups podem ser restaurados.'],
      ['plan', drPlanHtml(planData(), 'pt-BR'), '8.5 Prontuário de um paciente danificado'],
      ['compliance', complianceHtml(complianceData(), 'en'), 'chain verified: 8,123 entries intact'],
    ];
    for (const [name, html, expected] of cases) {
      const text = pdfText(dir, printHtml(dir, name, html)).replace(/\s+/g, ' ');
      assert.ok(text.includes(expected), `${name}: missing "${expected}"`);
    }
  });
});
