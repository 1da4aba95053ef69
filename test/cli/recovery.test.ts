import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { KeychainSecretStore } from '../../src/secrets/keychainStore.js';
import { compareNdjsonFolders } from '../../src/restorer/compareNdjson.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

// These tests use the real Secret Service (npm test runs them inside scripts/with-keyring.sh).

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

test('keychain entry and local catalog lost: the recovery key alone restores access, and the restore is byte-identical', async () => {
  const dir = await tempDir();
  const data = path.join(dir, 'export');
  await writeNdjsonDataset(data, { patients: 15, seed: 8 });
  const service = `clinic-backup-test-${randomBytes(4).toString('hex')}`;
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_KEYCHAIN_SERVICE: service, CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  const init = await runCli(['init', '--json'], env);
  assert.equal(init.code, 0, init.stderr);
  const { recoveryKey, slots } = JSON.parse(init.stdout) as { recoveryKey: string[][]; slots: { kind: string }[] };
  assert.deepEqual(slots.map((s) => s.kind).sort(), ['keychain', 'recovery']);
  const kit = path.join(dir, 'kit.txt');
  await writeFile(kit, recoveryKey.map((l, i) => `${i + 1}. ${l.join(' ')}`).join('\n'), { mode: 0o600 });
  assert.equal((await runCli(['backup', data], env)).code, 0);

  // The PC is replaced: the keychain entry and the local catalog are gone.
  const store = new KeychainSecretStore({ service });
  for (const name of await store.list()) await store.delete(name);
  await rm(path.join(dir, 'state'), { recursive: true, force: true });
  const locked = await runCli(['snapshots', '--json'], env);
  assert.equal(locked.code, 1);
  assert.equal((JSON.parse(locked.stdout) as { error: { code: string } }).error.code, 'KEYCHAIN_ENTRY_MISSING');
  assert.match(locked.stderr, /recovery/i);

  // A mistyped word is caught and its line named.
  const typo = path.join(dir, 'typo.txt');
  const lines = recoveryKey.map((l) => [...l]);
  (lines[2] as string[])[1] = (lines[2] as string[])[1] === 'abacate' ? 'abelha' : 'abacate';
  await writeFile(typo, lines.map((l) => l.join(' ')).join('\n'), { mode: 0o600 });
  const bad = await runCli(['connect', '--recovery-key-file', typo, '--json'], env);
  assert.equal(bad.code, 1);
  const badErr = (JSON.parse(bad.stdout) as { error: { code: string; details: { line: number } } }).error;
  assert.equal(badErr.code, 'RECOVERY_KEY_CHECKSUM');
  assert.equal(badErr.details.line, 3);

  const connect = await runCli(['connect', '--recovery-key-file', kit, '--json'], env);
  assert.equal(connect.code, 0, connect.stdout + connect.stderr);
  assert.equal((JSON.parse(connect.stdout) as { snapshots: number }).snapshots, 1);
  const target = path.join(dir, 'restored');
  const restore = await runCli(['restore', 'latest', '--target', target, '--yes'], env);
  assert.equal(restore.code, 0, restore.stderr);
  assert.ok((await compareNdjsonFolders(data, target)).identical);
  assert.equal((await runCli(['check'], env)).code, 0, 'the audit trail continued across the new catalog');
  for (const name of await store.list()) await store.delete(name);
});

test('kit confirmation ceremony: wrong words are refused, the right two confirm it', async () => {
  const dir = await tempDir();
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  const init = JSON.parse((await runCli(['init', '--json'], env)).stdout) as { recoveryKey: string[][]; confirmPositions: [number, number] };
  const words = init.recoveryKey.flat();
  const [a, b] = init.confirmPositions;
  const status = JSON.parse((await runCli(['recovery-kit', 'status', '--json'], env)).stdout) as { confirmed: boolean };
  assert.equal(status.confirmed, false);
  const wrong = await runCli(['recovery-kit', 'confirm', '--word', `${a}=${words[a - 1]}`, '--word', `${b}=wrongword`], env);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /CONFIRMATION_MISMATCH/);
  const right = await runCli(['recovery-kit', 'confirm', '--word', `${a}=${(words[a - 1] as string).toUpperCase()}`, '--word', `${b}=${words[b - 1]}`], env);
  assert.equal(right.code, 0, right.stderr);
  assert.equal((JSON.parse((await runCli(['recovery-kit', 'status', '--json'], env)).stdout) as { confirmed: boolean }).confirmed, true);
});

test('known secret values never appear in output, errors, --json, logs or the catalog', async () => {
  const dir = await tempDir();
  const service = `clinic-backup-test-${randomBytes(4).toString('hex')}`;
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const env = {
    CLINIC_BACKUP_REPO: path.join(dir, 'repo'),
    CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir, password),
    CLINIC_BACKUP_SECRETS_DIR: secretsDir,
    CLINIC_BACKUP_KEYCHAIN_SERVICE: service,
    CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'),
  };
  const server = await startSandbox({ patients: 3, auth: { bearerTokens: [token] } });
  const wrongServer = await startSandbox({ patients: 1, auth: { bearerTokens: ['something-else'] } });
  try {
    const outputs: string[] = [];
    const run = async (args: string[]): Promise<number | null> => {
      const r = await runCli(args, env);
      outputs.push(r.stdout, r.stderr);
      return r.code;
    };
    assert.equal(await run(['init', '--keychain', '--json']), 0);
    const tokenFile = path.join(dir, 'token');
    await writeFile(tokenFile, token, { mode: 0o600 });
    assert.equal(await run(['secrets', 'set', 'clinic-fhir-token', '--from-file', tokenFile, '--json']), 0);
    assert.equal(await run(['secrets', 'list', '--json']), 0);
    assert.deepEqual(JSON.parse(outputs.at(-2) as string), ['clinic-fhir-token']);
    assert.equal(await run(['backup', '--source', server.url, '--token-secret', 'clinic-fhir-token', '--json']), 0);
    assert.equal(await run(['backup', '--source', wrongServer.url, '--token-secret', 'clinic-fhir-token', '--json']), 1);
    assert.equal(await run(['backup', '--source', wrongServer.url, '--token-secret', 'clinic-fhir-token']), 1);
    assert.equal(await run(['snapshots', '--json']), 0);
    assert.equal(await run(['key', 'list', '--json']), 0);
    assert.equal(await run(['check', '--json']), 0);
    const texts = [...outputs];
    for (const f of await allFiles(path.join(dir, 'state'))) texts.push((await readFile(f)).toString('latin1'));
    for (const f of await allFiles(path.join(dir, 'repo'))) texts.push((await readFile(f)).toString('latin1'));
    for (const text of texts) {
      assert.ok(!text.includes(token), 'token leaked');
      assert.ok(!text.includes(password), 'password leaked');
    }
    assert.ok(
      outputs.some((o) => o.includes('SOURCE_AUTH')),
      'the auth failure was reported by code',
    );
  } finally {
    await server.close();
    await wrongServer.close();
    const store = new KeychainSecretStore({ service });
    for (const name of await store.list()) await store.delete(name);
  }
});

/** The 8 lines of words printed on a kit PDF ("Linha N   1 word   2 word …"; the small numbers are positions). */
async function kitWords(pdf: string): Promise<string[][]> {
  const { execFileSync } = await import('node:child_process');
  const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString('utf8');
  assert.match(execFileSync('pdfinfo', [pdf]).toString(), /Pages:\s+1\b/);
  const lines = [...text.matchAll(/^\s*(?:Linha|Line)\s+([1-8])\s+(.+)$/gm)].map((m) =>
    (m[2] as string)
      .trim()
      .split(/\s+/)
      .filter((w) => !/^\d+$/.test(w)),
  );
  assert.equal(lines.length, 8, text.slice(0, 2000));
  return lines;
}

test('printing the kit (PDF twice, HTML, and on the terminal) shows the init words; those words connect a new computer', async () => {
  const dir = await tempDir();
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'pt-BR' };
  const init = JSON.parse((await runCli(['init', '--json'], env)).stdout) as { recoveryKey: string[][]; confirmPositions: [number, number] };
  const { stat } = await import('node:fs/promises');
  for (const name of ['kit1.pdf', 'kit2.pdf']) {
    const pdf = path.join(dir, name);
    const r = await runCli(['recovery-kit', '--pdf', pdf, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await stat(pdf)).mode & 0o077, 0, 'only the owner can read the kit');
    assert.deepEqual(await kitWords(pdf), init.recoveryKey, `${name}: the words given at init`);
    // Printing again does not restart the confirmation ceremony: the same two words are asked.
    assert.deepEqual((JSON.parse(r.stdout) as { confirmPositions: number[] }).confirmPositions, init.confirmPositions);
  }
  // The HTML kit (--html) prints the same words, line by line.
  const html = path.join(dir, 'kit.html');
  assert.equal((await runCli(['recovery-kit', '--html', html], env)).code, 0);
  assert.equal((await stat(html)).mode & 0o077, 0, 'only the owner can read the kit');
  const htmlText = (await readFile(html, 'utf8')).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
  init.recoveryKey.forEach((line, i) => {
    const printed = line.map((w, j) => `${i * 4 + j + 1} ${w}`).join(' ');
    assert.ok(htmlText.includes(`Linha ${i + 1} ${printed}`), `line ${i + 1} of the HTML kit: ${printed}`);
  });
  const terminal = await runCli(['recovery-kit'], env);
  assert.equal(terminal.code, 0, terminal.stderr);
  for (const line of init.recoveryKey) assert.ok(terminal.stdout.includes(line.join(' ')), terminal.stdout);
  const keys = JSON.parse((await runCli(['key', 'list', '--json'], env)).stdout) as { kind: string }[];
  assert.equal(keys.filter((k) => k.kind === 'recovery').length, 1, 'no new recovery key was made');

  // A new computer (fresh state folder, its own password): the words copied at init still open the repository.
  const kit = path.join(dir, 'init-words.txt');
  await writeFile(kit, init.recoveryKey.map((l) => l.join(' ')).join('\n'), { mode: 0o600 });
  const newPc = path.join(dir, 'new-pc');
  await mkdir(newPc);
  const other = { ...env, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(newPc, 'new-machine-password'), CLINIC_BACKUP_STATE_DIR: path.join(newPc, 'state') };
  const ok = await runCli(['connect', '--recovery-key-file', kit], other);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  // The new computer can print the same kit again (it opens the repository with its own key).
  const reprint = path.join(dir, 'kit3.pdf');
  assert.equal((await runCli(['recovery-kit', '--pdf', reprint], other)).code, 0);
  assert.deepEqual(await kitWords(reprint), init.recoveryKey);
});

test('recovery-kit rotate: refused without --yes (nothing changes); with --yes the old words stop working and the new ones open', async () => {
  const dir = await tempDir();
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
  const init = JSON.parse((await runCli(['init', '--json'], env)).stdout) as { recoveryKey: string[][]; confirmPositions: [number, number] };
  const words = init.recoveryKey.flat();
  const [a, b] = init.confirmPositions;
  assert.equal((await runCli(['recovery-kit', 'confirm', '--word', `${a}=${words[a - 1]}`, '--word', `${b}=${words[b - 1]}`], env)).code, 0);

  const refused = await runCli(['recovery-kit', 'rotate'], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /stops working/);
  assert.match(refused.stderr, /CONFIRMATION_REQUIRED/);
  const same = await runCli(['recovery-kit', '--json'], env);
  assert.deepEqual((JSON.parse(same.stdout) as { recoveryKey: string[][] }).recoveryKey, init.recoveryKey, 'nothing changed');

  const pdf = path.join(dir, 'new-kit.pdf');
  const rotated = await runCli(['recovery-kit', 'rotate', '--yes', '--pdf', pdf], env);
  assert.equal(rotated.code, 0, rotated.stderr);
  assert.match(rotated.stdout, /old paper NO LONGER works/);
  const fresh = await kitWords(pdf);
  assert.notDeepEqual(fresh, init.recoveryKey);
  // The confirmation ceremony starts again, and the rotation is in the audit trail.
  const status = JSON.parse((await runCli(['recovery-kit', 'status', '--json'], env)).stdout) as { confirmed: boolean; positions: number[] | null };
  assert.equal(status.confirmed, false);
  assert.ok(status.positions);
  const { createEngine } = await import('../../src/index.js');
  const engine = createEngine({ repo: env.CLINIC_BACKUP_REPO, passwordFile: env.CLINIC_BACKUP_PASSWORD_FILE, stateDir: env.CLINIC_BACKUP_STATE_DIR });
  try {
    const audit = await engine.auditLog();
    assert.ok(
      audit.some((e) => e.action === 'key.rotate-recovery'),
      audit.map((e) => e.action).join(', '),
    );
    assert.ok(audit.some((e) => e.action === 'recovery-kit.print'));
  } finally {
    await engine.close();
  }

  const newPc = path.join(dir, 'new-pc');
  await mkdir(newPc);
  const other = { ...env, CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(newPc, 'new-machine-password'), CLINIC_BACKUP_STATE_DIR: path.join(newPc, 'state') };
  const old = path.join(dir, 'old.txt');
  await writeFile(old, init.recoveryKey.map((l) => l.join(' ')).join('\n'), { mode: 0o600 });
  const oldTry = await runCli(['connect', '--recovery-key-file', old, '--json'], other);
  assert.equal(oldTry.code, 1, 'the old kit was replaced');
  assert.equal((JSON.parse(oldTry.stdout) as { error: { code: string } }).error.code, 'WRONG_RECOVERY_KEY');
  const kit = path.join(dir, 'new.txt');
  await writeFile(kit, fresh.map((l) => l.join(' ')).join('\n'), { mode: 0o600 });
  const ok = await runCli(['connect', '--recovery-key-file', kit], other);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
});
