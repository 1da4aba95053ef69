import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { startSandbox } from '../../src/sandbox/server.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

test('drill restores the latest snapshot into a fresh sandbox, passes, is recorded, and its PDF report names the result', async () => {
  const dir = await tempDir();
  const server = await startSandbox({ patients: 6 });
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'en' };
  try {
    assert.equal((await runCli(['init'], env)).code, 0);
    assert.equal((await runCli(['backup', '--source', server.url], env)).code, 0);
    const r = await runCli(['drill', '--json'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const drill = JSON.parse(r.stdout) as { id: number; status: string; integrityScore: number; resourcesRestored: number };
    assert.equal(drill.status, 'success');
    assert.equal(drill.integrityScore, 1);
    assert.equal(drill.resourcesRestored, server.store.count());
    const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { drill: { lastAt: string | null; overdue: boolean }; kpis: { recoveryTestSuccessRate: number } };
    assert.ok(status.drill.lastAt);
    assert.equal(status.drill.overdue, false);
    assert.equal(status.kpis.recoveryTestSuccessRate, 1);
    const pdf = path.join(dir, 'drill.pdf');
    assert.equal((await runCli(['report', 'drill', String(drill.id), '--pdf', pdf], env)).code, 0);
    const text = execFileSync('pdftotext', [pdf, '-']).toString('utf8');
    assert.match(text, new RegExp(String(server.store.count())));

    // The DR plan and the compliance summary come from this repository's real configuration.
    const repoId = (JSON.parse((await runCli(['stats', '--json'], env)).stdout) as { repoId: string }).repoId;
    const plan = path.join(dir, 'dr-plan.pdf');
    assert.equal((await runCli(['report', 'dr-plan', '--pdf', plan], env)).code, 0);
    const planText = execFileSync('pdftotext', [plan, '-']).toString('utf8').replace(/\s+/g, ' ');
    assert.ok(planText.includes(repoId.slice(0, 8)), 'the plan names the repository');
    assert.ok(planText.includes(path.join(dir, 'repo')), 'the plan names where the backups are');
    const compliance = path.join(dir, 'compliance.pdf');
    assert.equal((await runCli(['report', 'compliance', '--pdf', compliance], env)).code, 0);
    const cText = execFileSync('pdftotext', [compliance, '-']).toString('utf8').replace(/\s+/g, ' ');
    assert.match(cText, /AES-256-GCM/);
    assert.ok(cText.includes(repoId.slice(0, 8)));
  } finally {
    await server.close();
  }
});
