// Renders page 1 of each report (pt-BR, the product's default language) from the test fixtures into
// docs/images/*.png for the documentation. Not a test: run it after changing a report's layout.
//   node --import tsx test/reports/renderDocImages.ts
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compliancePdf } from '../../src/reports/compliance.js';
import { drPlanPdf } from '../../src/reports/drPlan.js';
import { drillReportPdf } from '../../src/reports/drillReport.js';
import { recoveryKitPdf } from '../../src/reports/recoveryKit.js';
import { complianceData, drillData, kitData, planData } from './fixtures.js';
import { renderPagePng } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'docs', 'images');
const DPI = 100;

const pages: [string, Promise<Buffer>][] = [
  ['recovery-kit.png', recoveryKitPdf(kitData(), 'pt-BR', { fonts: 'standard' })],
  ['drill-report.png', drillReportPdf(drillData(), 'pt-BR', { fonts: 'standard' })],
  ['dr-plan.png', drPlanPdf(planData(), 'pt-BR', { fonts: 'standard' })],
  ['compliance.png', compliancePdf(complianceData(), 'pt-BR', { fonts: 'standard' })],
];

mkdirSync(out, { recursive: true });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'cb-doc-images-'));
try {
  for (const [name, pdf] of pages) {
    renderPagePng(tmp, await pdf, DPI, path.join(out, name));
    process.stdout.write(`docs/images/${name}\n`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
