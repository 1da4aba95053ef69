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
  } finally {
    await server.close();
  }
});
