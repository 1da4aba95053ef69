/**
 * The monthly drill of every source, run by the scheduler itself (issue #19), through the real runner with an
 * injected clock, a real repository, a real sandbox FHIR server and a real folder source:
 * - on battery the drill waits (nothing recorded) and runs as soon as the PC is on mains power;
 * - a month passes → the FHIR server is drilled into the sandbox, the folder source into a temporary folder and the
 *   SQLite database into a throw-away file, by themselves, each with its record and printable report;
 * - a file of the folder source no longer comes back identical → a CRITICAL alert naming the folder source, which a
 *   good drill of the FHIR server does not hide; a good drill of the folders clears it.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import Database from 'better-sqlite3';
import { createEngine, type Engine } from '../../src/index.js';
import type { RunnerEvent } from '../../src/scheduler/runner.js';
import { isEngineError } from '../../src/shared/errors.js';
import { sandbox } from '../support/fhir.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { FakeTime } from '../scheduler/fakeTime.js';
import { startSchedulerUnderTest } from './schedulerHarness.js';

/** A fixed, whole-second modification time (kept exactly by every file system). */
const MTIME = new Date('2027-01-10T10:00:00.000Z');

it('the scheduler drills the FHIR server, a folder source and a database by itself (mains power only); a folder that no longer restores identical is a CRITICAL alert naming it', async () => {
  const dir = await tempDir('cb-sched-srcdrill-');
  const docs = path.join(dir, 'documentos');
  await mkdir(docs);
  const files = { 'laudo-001.txt': 'Laudo de raio X — paciente 001\n', 'receita-002.txt': 'Receita — paciente 002\n', 'termo-003.txt': 'Termo de consentimento — paciente 003\n' };
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(docs, name), text);
    await utimes(path.join(docs, name), MTIME, MTIME);
  }
  // The clinic program's database (SQLite): drilled into a throw-away file.
  const dbFile = path.join(dir, 'clinica.db');
  const db = new Database(dbFile);
  db.exec("create table agenda (id integer primary key, paciente text); insert into agenda (paciente) values ('001'), ('002'), ('003');");
  db.close();
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  // Sunday 2027-01-31 09:00 in São Paulo, on battery.
  const time = new FakeTime('2027-01-31T12:00:00.000Z');
  const power = { battery: true };
  const options = {
    repo: path.join(dir, 'repo'),
    passwordFile: await writePasswordFile(dir),
    secretsDir,
    stateDir: path.join(dir, 'state'),
    locale: 'en' as const,
    clock: time,
    timer: time,
    onBatteryPower: () => power.battery,
  };
  const first = createEngine(options);
  await first.init({ useKeychain: false });
  await first.close();
  const engine: Engine = createEngine(options);
  const source = await sandbox({ patients: 2, seed: 3 });
  await engine.updateSettings({
    clinicName: 'Clínica Vida',
    source: { url: source.url, auth: { kind: 'none' } },
    sources: [
      { kind: 'folders', name: 'Documentos', paths: [docs] },
      { kind: 'database', name: 'Sistema da clínica', database: { kind: 'sqlite', path: dbFile } },
    ],
    schedule: { backup: { kind: 'daily', at: '02:00' }, drill: { kind: 'monthly', day: 1, at: '12:00' }, alerts: { kind: 'interval', everyMinutes: 360 } },
  } as Parameters<Engine['updateSettings']>[0]);

  const scheduler = await startSchedulerUnderTest(engine, time);
  const { events, runUntil } = scheduler;
  const drillEvents = (type: RunnerEvent['type']): RunnerEvent[] => events.filter((e) => e.job === 'drill' && e.type === type);

  try {
    // On battery: the drill's first run (at start) waits; nothing is restored or recorded.
    await runUntil('2027-01-31T12:05:00.000Z');
    const refusals = drillEvents('failed');
    assert.ok(refusals.length >= 1, JSON.stringify(events.map((e) => [e.type, e.job])));
    for (const r of refusals) assert.equal(r.type === 'failed' && isEngineError(r.error) ? r.error.code : null, 'ON_BATTERY');
    assert.deepEqual(await engine.listDrills(), [], 'no drill on battery');
    assert.equal((await engine.snapshots()).length, 3, 'the backups ran meanwhile (the FHIR server, the folders, the database)');

    // Mains power again: the next retry drills the three sources.
    power.battery = false;
    await runUntil('2027-01-31T13:00:00.000Z');
    const drills = await engine.listDrills();
    assert.equal(drills.length, 3, JSON.stringify(drills));
    assert.ok(
      drills.every((d) => d.status === 'success'),
      JSON.stringify(drills),
    );

    // A month passes: the 02-01 12:00 (15:00 UTC) slot drills the three sources by themselves, each with its report.
    await runUntil('2027-02-01T16:00:00.000Z');
    const monthly = (await engine.listDrills()).filter((d) => d.startedAt >= '2027-02-01T15:00:00.000Z');
    assert.equal(monthly.length, 3, JSON.stringify(await engine.listDrills()));
    assert.ok(monthly.every((d) => d.status === 'success' && d.startedAt < '2027-02-01T15:10:00.000Z'));
    assert.ok(
      drillEvents('started').some((e) => e.type === 'started' && e.at.toISOString() === '2027-02-01T15:00:00.000Z' && e.reason === 'scheduled'),
      'the monthly slot started the drill',
    );
    const reports = await Promise.all(monthly.map(async (d) => (await engine.drillReport(d.id)).html));
    assert.ok(
      reports.some((html) => /Folder restore drill report/.test(html) && html.includes('Documentos')),
      'the folder source has its own drill report',
    );
    assert.ok(
      reports.some((html) => /Database restore drill report/.test(html) && html.includes('Sistema da clínica')),
      'the database its own (restored into a throw-away database)',
    );
    assert.ok(
      reports.some((html) => !/(Folder|Database) restore drill report/.test(html)),
      'and the FHIR server its own',
    );
    const pdf = await engine.drillReport(monthly[0]!.id);
    assert.equal(pdf.pdf.subarray(0, 5).toString(), '%PDF-');

    // After the 03-01 backup, a file of the folder source no longer matches what the backup holds (same size and
    // time: the drill compares the restored copy with it). The monthly drill at noon fails for the folders only.
    await runUntil('2027-03-01T14:00:00.000Z');
    const laudo = path.join(docs, 'laudo-001.txt');
    const original = await readFile(laudo);
    await writeFile(laudo, Buffer.from(original.toString('utf8').replace('001', '007')));
    await utimes(laudo, MTIME, MTIME);
    await runUntil('2027-03-01T16:00:00.000Z');
    const march = (await engine.listDrills()).filter((d) => d.startedAt >= '2027-03-01T15:00:00.000Z');
    assert.deepEqual(march.map((d) => d.status).sort(), ['failed', 'success', 'success'], JSON.stringify(march));
    let status = await engine.status();
    const alert = status.alerts.find((a) => a.rule === 'drillfail');
    assert.equal(alert?.severity, 'critical', JSON.stringify(status.alerts));
    assert.match(alert.message, /could not bring back the files of the folders "Documentos" identical to the originals/);
    assert.equal(status.state, 'error');
    // The alert job (between runs) keeps it: the FHIR server's good drill does not hide the folders' failure.
    await engine.checkAlerts();
    assert.ok((await engine.status()).alerts.some((a) => a.rule === 'drillfail'));

    // The file is put back: a drill of the folders passes and the alert clears.
    await writeFile(laudo, original);
    await utimes(laudo, MTIME, MTIME);
    const again = await engine.drillSource({ source: 'Documentos' });
    assert.equal(again.status, 'success', JSON.stringify(again.proofs));
    status = await engine.status();
    assert.equal(
      status.alerts.some((a) => a.rule === 'drillfail'),
      false,
      JSON.stringify(status.alerts),
    );
  } finally {
    await scheduler.stop();
    await engine.close();
  }
});
