/**
 * Every statement of the disaster-recovery plan and the compliance summary comes from the actual configuration and
 * history: each test sets one fact one way and the other, generates the PDF through the engine (as `report …` does)
 * and reads its text with pdftotext. Also: a partial backup is not a success (KPIs, a high alert naming what is
 * missing, status in red).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { createEngine, type Engine } from '../../src/index.js';
import { writeNdjsonDataset } from '../../src/sandbox/synthetic.js';
import { KeychainSecretStore } from '../../src/secrets/keychainStore.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { pdfText, POPPLER_SKIP } from './helpers.js';

const dir = await tempDir('cb-statements-');
const data = path.join(dir, 'data');
await writeNdjsonDataset(data, { patients: 3, seed: 2 });

let n = 0;
/** A fresh repository opened with a password file (headless), English reports. */
async function fresh(extra: { copies?: string[] } = {}): Promise<{ engine: Engine; root: string }> {
  const root = path.join(dir, `case-${n++}`);
  await mkdir(root);
  const engine = createEngine({ repo: path.join(root, 'repo'), passwordFile: await writePasswordFile(root), stateDir: path.join(root, 'state'), locale: 'en', ...extra });
  await engine.init({ useKeychain: false });
  return { engine, root };
}

/** The PDF's text as one line (pdftotext breaks lines at the column edge). */
async function report(engine: Engine, kind: 'dr-plan' | 'compliance'): Promise<string> {
  return pdfText(dir, (await engine.configurationReport(kind)).pdf).replace(/\s+/g, ' ');
}

test('compliance: how this computer opens the repository (password file vs OS keychain) and the key slots', { skip: POPPLER_SKIP }, async () => {
  const { engine } = await fresh();
  const file = await report(engine, 'compliance');
  assert.match(file, /This computer opens the repository with a passphrase kept in a file only the system user can read/);
  assert.doesNotMatch(file, /opens the repository with the operating system keychain/);
  assert.match(file, /Access keys passphrase \+ printed recovery kit/);
  await engine.close();

  const root = path.join(dir, `case-${n++}`);
  await mkdir(root);
  const service = `clinic-backup-test-${randomBytes(4).toString('hex')}`;
  const keychain = createEngine({ repo: path.join(root, 'repo'), keychainService: service, stateDir: path.join(root, 'state'), locale: 'en' });
  try {
    await keychain.init({ useKeychain: true });
    const text = await report(keychain, 'compliance');
    assert.match(text, /This computer opens the repository with the operating system keychain/);
    assert.match(text, /Access keys operating system keychain \+ printed recovery kit/);
    assert.doesNotMatch(text, /passphrase kept in a file/);
  } finally {
    await keychain.close();
    const store = new KeychainSecretStore({ service });
    for (const name of await store.list()) await store.delete(name);
  }
});

test('DR plan: the FHIR server backed up with --source is listed (not "no FHIR server configured"), also without settings', { skip: POPPLER_SKIP }, async () => {
  const { engine } = await fresh();
  assert.match(await report(engine, 'dr-plan'), /no FHIR server configured/);
  const server = await sandbox({ patients: 2 });
  await engine.backupFhir({ source: server.url, auth: { kind: 'none' } });
  assert.equal((await engine.getSettings()).source, null, 'nothing in the settings');
  const text = await report(engine, 'dr-plan');
  assert.doesNotMatch(text, /no FHIR server configured/);
  assert.ok(text.includes(server.url.replace(/\/$/, '')), text.slice(0, 1500));
  await engine.close();
});

test('DR plan and compliance: copies, kit confirmation, last drill, legal floor, schedule and time zone follow the configuration', { skip: POPPLER_SKIP }, async () => {
  const copy = path.join(dir, 'usb-copy');
  await mkdir(copy);
  const single = await fresh();
  const withCopy = await fresh({ copies: [copy] });
  for (const e of [single.engine, withCopy.engine]) await e.backupNdjson(data);
  const one = await report(single.engine, 'dr-plan');
  const two = await report(withCopy.engine, 'dr-plan');
  assert.match(one, /There is only one backup destination/);
  assert.match(one, /1 destination\b/);
  assert.doesNotMatch(two, /There is only one backup destination/);
  assert.match(two, /2 destinations/);
  assert.ok(two.includes(copy), 'the copy is listed');

  const e = single.engine;
  // Kit: not confirmed, then confirmed.
  assert.match(one, /not confirmed yet/);
  const status = await e.recoveryKitStatus();
  const kit = await e.recoveryKit('en');
  const words = kit.recoveryKey.flat();
  const [a, b] = status.positions as [number, number];
  await e.confirmRecoveryKit([
    { position: a, word: words[a - 1] as string },
    { position: b, word: words[b - 1] as string },
  ]);
  const confirmed = await report(e, 'dr-plan');
  assert.doesNotMatch(confirmed, /not confirmed yet/);
  assert.doesNotMatch(await report(e, 'compliance'), /Kit storage confirmed not confirmed/);

  // Last drill: none, then a passed one.
  assert.match(confirmed, /Last restore drill no drill run yet/);
  const drill = await e.drill({ allowFallback: true });
  assert.equal(drill.status, 'success');
  assert.match(await report(e, 'dr-plan'), /Last restore drill [\d-]+ [\d:]+, passed/);

  // Legal floor, backup schedule and the clinic's time zone, from the settings.
  assert.match(await report(e, 'dr-plan'), /20 years \(legal minimum: 20 years\)/);
  await e.updateSettings({ retention: { legalFloorYears: 25 }, schedule: { backup: { kind: 'daily', at: '21:30' }, drill: (await e.getSettings()).schedule.drill }, timeZone: 'America/Manaus' });
  const after = await report(e, 'dr-plan');
  assert.match(after, /25 years \(legal minimum: 20 years\)/);
  assert.match(after, /21:30/);
  assert.match(after, /Time zone: America\/Manaus/);
  assert.match(after, /Every day at 21:30 \(America\/Manaus time\)/);
  assert.doesNotMatch(after, /America\/Sao_Paulo/);
  assert.match(after, /Storage confirmed on [\d-]+ by \S+/);
  assert.doesNotMatch(after, /Storage confirmed on [\d-]+ by —/);
  for (const x of [single.engine, withCopy.engine]) await x.close();
});

test('a partial backup is not a success: success rate, a high alert naming what is missing, status in red, and the compliance figures', { skip: POPPLER_SKIP }, async () => {
  const { engine } = await fresh();
  await engine.backupNdjson(data);
  const ok = await engine.status();
  assert.equal(ok.kpis.backupSuccessRate, 1);
  assert.match(await report(engine, 'compliance'), /1 of 1 succeeded/);
  assert.doesNotMatch(await report(engine, 'compliance'), /serious alert/);

  // Part of the input cannot be read: the backup completes with what it could read, marked partial.
  const obs = (await readdir(data)).find((f) => f.startsWith('Observation')) as string;
  await appendFile(path.join(data, obs), '{"resourceType":"Observation","id":"broken",\n');
  const r = await engine.backupNdjson(data);
  assert.equal(r.snapshot.partial, true);
  await engine.checkAlerts();
  const s = await engine.status();
  assert.equal(s.kpis.backupSuccessRate, 0.5, 'the partial run counts against the success rate');
  assert.equal(s.state, 'error');
  assert.notEqual(s.lastSuccessAt, s.lastBackup?.at, 'the last success is the complete backup, not the partial one');
  const alert = s.alerts.find((x) => x.rule === 'partial');
  assert.ok(alert, JSON.stringify(s.alerts));
  assert.equal(alert.severity, 'high');
  assert.ok(alert.message.includes(obs), `names what is missing: ${alert.message}`);
  const text = await report(engine, 'compliance');
  assert.match(text, /1 of 2 succeeded \(50(\.0)?%\)/);
  assert.match(text, /1 serious alert open/);
  await engine.close();
});
