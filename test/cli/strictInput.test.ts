/**
 * Strict input: a mistake is an error, never a silent success. Resource types are checked against FHIR R4 with a
 * suggestion; conflicting options and options of another command stop with exit 2 in the user's language; every
 * command answers --help; an empty source is not a success; the shrink guard marks a backup that lost most of its
 * resources, raises a high alert and keeps the snapshot before it.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { COMMAND_NAMES } from '../../src/cli/commands/index.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { startSandbox } from '../../src/sandbox/server.js';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const dir = await tempDir('cb-strict-');
const data = path.join(dir, 'data');
await writeNdjsonDataset(data, { patients: 8, seed: 5 });
const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state') };
assert.equal((await runCli(['init'], env)).code, 0);
assert.equal((await runCli(['backup', data], env)).code, 0);

/** No stack trace and none of the parser's own English text reach the user. */
function assertClean(text: string): void {
  assert.doesNotMatch(text, /\n\s+at .+:\d+:\d+|TypeError|ERR_PARSE_ARGS|To specify a positional argument/, text);
}

test('--type is checked against FHIR R4, case-sensitive, with a suggestion (exit 2); a valid type the snapshot lacks is said', async () => {
  for (const args of [
    ['ls', 'latest', '--type', 'patient'],
    ['restore', '--type', 'patient', '--target', path.join(dir, 'never'), '--yes'],
  ]) {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /UNKNOWN_RESOURCE_TYPE.*"patient" is not a FHIR R4 resource type.*Did you mean Patient\?/);
    assertClean(r.stderr);
  }
  const typo = await runCli(['ls', '--type', 'Obsrvation'], env);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /Did you mean Observation\?/);
  const pt = await runCli(['ls', '--type', 'patient', '--lang', 'pt-BR'], env);
  assert.match(pt.stderr, /não é um tipo de recurso FHIR R4.*Você quis dizer Patient\?/);

  const lacking = await runCli(['ls', 'latest', '--type', 'Medication', '--type', 'Patient'], env);
  assert.equal(lacking.code, 0, lacking.stderr);
  assert.match(lacking.stderr, /holds no resources of type Medication/);
  assert.match(lacking.stdout, /^Patient\//m);
  const none = await runCli(['ls', 'latest', '--type', 'Medication', '--json'], env);
  assert.equal(none.code, 1);
  const err = (JSON.parse(none.stdout) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'TYPE_NOT_IN_SNAPSHOT');
  assert.match(err.message, /holds no Medication resources\. Types it holds: .*Patient/);
  const restoreNone = await runCli(['restore', '--type', 'Medication', '--target', path.join(dir, 'none'), '--yes'], env);
  assert.equal(restoreNone.code, 1);
  assert.match(restoreNone.stderr, /TYPE_NOT_IN_SNAPSHOT/);
});

test('conflicting options exit 2 naming both; an option that needs another says which', async () => {
  const cases: [string[], RegExp][] = [
    [['restore', '--target', path.join(dir, 'a'), '--target-url', 'http://127.0.0.1:1/fhir'], /--target and --target-url cannot be used together/],
    [['restore', '--target-url', 'http://127.0.0.1:1/fhir', '--plan', '--yes'], /--plan and --yes cannot be used together/],
    [['restore', 'latest', '--snapshot', 'latest', '--target', path.join(dir, 'b')], /<snapshot> and --snapshot cannot be used together/],
    [['restore', '--target', path.join(dir, 'c'), '--verify', 'all', '--yes'], /--verify and --target cannot be used together/],
    [['ls', 'latest', '--as-of', '2026-01-01'], /<snapshot> and --as-of cannot be used together/],
    [['check', '--read-data', '--read-data-subset', '1/2'], /--read-data and --read-data-subset cannot be used together/],
    [['status', '--json', '--nagios'], /--json and --nagios cannot be used together/],
    [['backup', data, '--source', 'http://127.0.0.1:1/fhir'], /<input> and --source cannot be used together/],
    [['forget', '--dry-run', '--prune'], /--dry-run and --prune cannot be used together/],
    [['restore', '--include-shared', '--target', path.join(dir, 'd'), '--yes'], /--include-shared only works together with --patient/],
    [['backup', data, '--full'], /--full only works together with --source/],
    [['check', '--from', path.join(dir, 'x')], /--from only works together with --repair/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assertClean(r.stderr);
  }
  assert.deepEqual(await readdir(dir).then((e) => e.filter((n) => ['a', 'b', 'c', 'd'].includes(n))), [], 'nothing was written');
});

test('--target given a URL exits 2 pointing to --target-url, and writes no folder called "http:"', async () => {
  const r = await runCli(['restore', '--target', 'http://127.0.0.1:8080/fhir', '--yes'], env);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /use --target-url http:\/\/127\.0\.0\.1:8080\/fhir/);
  assert.ok(!(await readdir(process.cwd())).includes('http:'));
});

test('every command answers --help (serve too), in both languages, exit 0', async () => {
  for (const command of COMMAND_NAMES) {
    const r = await runCli([command, '--help'], {});
    assert.equal(r.code, 0, `${command}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`Usage: clinic-backup ${command}`), `${command}: ${r.stdout.slice(0, 200)}`);
    assert.doesNotMatch(r.stdout, /cli\.(help|opt|value)\./, `${command}: a text key leaked`);
  }
  const pt = await runCli(['restore', '-h', '--lang', 'pt-BR'], {});
  assert.match(pt.stdout, /^Uso: clinic-backup restore/);
  assert.match(pt.stdout, /--include-shared\s+inclui registros que também são de outros pacientes/);
  const serve = await runCli(['serve', '--help', '--lang', 'pt-BR'], {});
  assert.equal(serve.code, 0, serve.stderr);
  assert.match(serve.stdout, /Modo web local/);
});

test('unknown options and options of another command get the translated message with a suggestion, exit 2', async () => {
  const typo = await runCli(['restore', '--target-ulr', 'http://x', '--lang', 'pt-BR'], env);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /A opção --target-ulr não existe\. Você quis dizer --target-url\? Veja: clinic-backup restore --help/);
  assertClean(typo.stderr);
  const other = await runCli(['ls', '--overwrite'], env);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /UNKNOWN_OPTION.*There is no option --overwrite in command ls/);
  const value = await runCli(['restore', '--target'], env);
  assert.equal(value.code, 2);
  assert.match(value.stderr, /option --target needs a value/);
  assertClean(value.stderr);
  const serve = await runCli(['serve', '--bogus'], env);
  assert.equal(serve.code, 2);
  assert.match(serve.stderr, /There is no option --bogus in command serve/);
  assertClean(serve.stderr);
});

test('an empty source is not a success: exit 1 and no snapshot unless --allow-empty (file and FHIR server)', async () => {
  const own = path.join(dir, 'empty-case');
  await mkdir(own);
  const e = { CLINIC_BACKUP_REPO: path.join(own, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(own), CLINIC_BACKUP_STATE_DIR: path.join(own, 'state') };
  assert.equal((await runCli(['init'], e)).code, 0);
  const empty = path.join(own, 'Patient.ndjson');
  await writeFile(empty, '');
  const r = await runCli(['backup', empty, '--json'], e);
  assert.equal(r.code, 1, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'EMPTY_SOURCE');
  assert.match(r.stderr, /holds no resources.*--allow-empty/);
  assert.deepEqual(JSON.parse((await runCli(['snapshots', '--json'], e)).stdout), [], 'no snapshot was saved');
  const server = await startSandbox({ patients: 0, createGroup: false });
  try {
    const s = await runCli(['backup', '--source', server.url], e);
    assert.equal(s.code, 1, s.stderr);
    assert.match(s.stderr, /EMPTY_SOURCE/);
  } finally {
    await server.close();
  }
  const allowed = await runCli(['backup', empty, '--allow-empty', '--json'], e);
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal((JSON.parse(allowed.stdout) as { snapshot: { resources: number } }).snapshot.resources, 0);
});

test('shrink guard: a backup that lost more than 30 % is kept but marked suspicious, raises a high alert, and the snapshot before it is never forgotten', async () => {
  const own = path.join(dir, 'shrink-case');
  await mkdir(own);
  const e = { CLINIC_BACKUP_REPO: path.join(own, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(own), CLINIC_BACKUP_STATE_DIR: path.join(own, 'state') };
  assert.equal((await runCli(['init'], e)).code, 0);
  const src = path.join(own, 'data');
  await writeNdjsonDataset(src, { patients: 10, seed: 9 });
  const first = await runCli(['backup', src, '--json'], e);
  assert.equal(first.code, 0, first.stderr);
  const before = (JSON.parse(first.stdout) as { snapshot: { id: string; resources: number } }).snapshot;
  // Most of the records disappear at the source (ransomware, a wrong export, a mistaken clean-up).
  for (const f of await readdir(src)) {
    const lines = (await readFile(path.join(src, f), 'utf8')).split('\n').filter(Boolean);
    await writeFile(path.join(src, f), lines.slice(0, Math.ceil(lines.length / 3)).join('\n') + '\n');
  }
  const second = await runCli(['backup', src, '--json'], e);
  assert.equal(second.code, 0, 'the backup completes');
  const snap = (JSON.parse(second.stdout) as { snapshot: { id: string; resources: number; suspicious?: { previous: string; dropPercent: number } } }).snapshot;
  assert.equal(snap.suspicious?.previous, before.id);
  assert.ok((snap.suspicious?.dropPercent ?? 0) > 30);
  const human = await runCli(['snapshots'], e);
  assert.match(human.stdout, /SUSPICIOUS: [\d.]+% fewer resources/);

  assert.equal((await runCli(['alerts', 'check'], e)).code, 0);
  const status = JSON.parse((await runCli(['status', '--json'], e)).stdout) as { state: string; alerts: { rule: string; severity: string; message: string }[] };
  const alert = status.alerts.find((a) => a.rule === 'shrink');
  assert.ok(alert, JSON.stringify(status.alerts));
  assert.equal(alert.severity, 'high');
  assert.match(alert.message, /Possible deletion, ransomware or wrong server/);
  assert.equal(status.state, 'error');

  // Retention keeps the last snapshot before the suspicious one, whatever the rules say.
  const forget = await runCli(['forget', '--keep-last', '1', '--json'], e);
  assert.equal(forget.code, 0, forget.stderr);
  const decisions = (JSON.parse(forget.stdout) as { decisions: { id: string; keep: boolean; explanation: string }[] }).decisions;
  const kept = decisions.find((d) => d.id === before.id);
  assert.equal(kept?.keep, true);
  assert.match(kept?.explanation ?? '', /the last restore point before/);
  assert.ok((JSON.parse((await runCli(['snapshots', '--json'], e)).stdout) as { id: string }[]).some((s) => s.id === before.id));

  // The threshold is a setting: with 90 %, the same fall is not suspicious.
  const settings = path.join(own, 'settings.json');
  await writeFile(settings, JSON.stringify({ shrinkGuardPercent: 90 }));
  assert.equal((await runCli(['settings', 'set', '--from-file', settings], e)).code, 0);
  await writeNdjsonDataset(src, { patients: 10, seed: 9 });
  assert.equal((await runCli(['backup', src], e)).code, 0);
  for (const f of await readdir(src)) {
    const lines = (await readFile(path.join(src, f), 'utf8')).split('\n').filter(Boolean);
    await writeFile(path.join(src, f), lines.slice(0, Math.ceil(lines.length / 2)).join('\n') + '\n');
  }
  const third = JSON.parse((await runCli(['backup', src, '--json'], e)).stdout) as { snapshot: { suspicious?: unknown } };
  assert.equal(third.snapshot.suspicious, undefined);
});

test('shrink guard compares with the previous snapshot of the same source only: a smaller other source is not suspicious', async () => {
  const own = path.join(dir, 'shrink-sources');
  await mkdir(own);
  const e = { CLINIC_BACKUP_REPO: path.join(own, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(own), CLINIC_BACKUP_STATE_DIR: path.join(own, 'state') };
  assert.equal((await runCli(['init'], e)).code, 0);
  const big = path.join(own, 'big');
  const small = path.join(own, 'small');
  await writeNdjsonDataset(big, { patients: 10, seed: 31 });
  await writeNdjsonDataset(small, { patients: 1, seed: 32 });
  type Snap = { id: string; resources: number; suspicious?: { previous: string; dropPercent: number } };
  const backup = async (input: string): Promise<Snap> => {
    const r = await runCli(['backup', input, '--json'], e);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { snapshot: Snap }).snapshot;
  };
  const first = await backup(big);
  const other = await backup(small);
  assert.ok(other.resources < first.resources * 0.3, `${other.resources} vs ${first.resources}`);
  assert.equal(other.suspicious, undefined, 'another source is not a shrink of this one');
  // The big source shrinks: compared with its own previous snapshot, not with the small source's newer one.
  for (const f of await readdir(big)) {
    const lines = (await readFile(path.join(big, f), 'utf8')).split('\n').filter(Boolean);
    await writeFile(path.join(big, f), lines.slice(0, Math.ceil(lines.length / 3)).join('\n') + '\n');
  }
  const shrunk = await backup(big);
  assert.equal(shrunk.suspicious?.previous, first.id);
});
