/**
 * One-patient restore writes only that patient's data (issue #13 §4), beyond the Group of the synthetic data set:
 * appointments shared by two patients (a couple's consultation) are listed and not written unless
 * --include-shared; the patient's own household RelatedPerson and observations are written; a long list of shared
 * records shows 50 lines and "… and N more", never a silent cut.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

const SHARED = 60;

/** Every resource of a restored NDJSON folder, as "Type/id". */
async function restored(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of await readdir(folder)) {
    if (!f.endsWith('.ndjson')) continue;
    for (const line of (await readFile(path.join(folder, f), 'utf8')).split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as { resourceType: string; id: string };
      out.push(`${r.resourceType}/${r.id}`);
    }
  }
  return out.sort();
}

test('one patient: appointments shared with another patient and the Group are listed, not written, unless --include-shared; 50 lines then "and N more"', async () => {
  const dir = await tempDir('cb-shared-');
  const data = path.join(dir, 'data');
  await mkdir(data);
  const nd = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
  await writeFile(
    path.join(data, 'Patient.ndjson'),
    nd([
      { resourceType: 'Patient', id: 'ana', name: [{ family: 'Souza', given: ['Ana'] }] },
      { resourceType: 'Patient', id: 'bruno', name: [{ family: 'Souza', given: ['Bruno'] }] },
    ]),
  );
  await writeFile(
    path.join(data, 'Observation.ndjson'),
    nd([
      { resourceType: 'Observation', id: 'obs-ana', status: 'final', code: { text: 'peso' }, subject: { reference: 'Patient/ana' } },
      { resourceType: 'Observation', id: 'obs-bruno', status: 'final', code: { text: 'peso' }, subject: { reference: 'Patient/bruno' } },
    ]),
  );
  await writeFile(path.join(data, 'RelatedPerson.ndjson'), nd([{ resourceType: 'RelatedPerson', id: 'mae-ana', patient: { reference: 'Patient/ana' }, relationship: [{ text: 'mãe' }] }]));
  const appointments = Array.from({ length: SHARED }, (_, i) => ({
    resourceType: 'Appointment',
    id: `casal-${String(i).padStart(2, '0')}`,
    status: 'booked',
    participant: [
      { actor: { reference: 'Patient/ana' }, status: 'accepted' },
      { actor: { reference: 'Patient/bruno' }, status: 'accepted' },
    ],
  }));
  await writeFile(
    path.join(data, 'Appointment.ndjson'),
    nd([...appointments, { resourceType: 'Appointment', id: 'so-ana', status: 'booked', participant: [{ actor: { reference: 'Patient/ana' }, status: 'accepted' }] }]),
  );
  await writeFile(
    path.join(data, 'Group.ndjson'),
    nd([{ resourceType: 'Group', id: 'familia', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/ana' } }, { entity: { reference: 'Patient/bruno' } }] }]),
  );
  const env = { CLINIC_BACKUP_REPO: path.join(dir, 'repo'), CLINIC_BACKUP_PASSWORD_FILE: await writePasswordFile(dir), CLINIC_BACKUP_STATE_DIR: path.join(dir, 'state'), CLINIC_BACKUP_LANG: 'en' };
  assert.equal((await runCli(['init'], env)).code, 0);
  const b = await runCli(['backup', data], env);
  assert.equal(b.code, 0, b.stderr);

  const own = ['Appointment/so-ana', 'Observation/obs-ana', 'Patient/ana', 'RelatedPerson/mae-ana'];
  const sharedIds = [...appointments.map((a) => `Appointment/${a.id}`), 'Group/familia'].sort();

  // The plan lists every shared record: 50 lines, then how many more.
  const plan = await runCli(['restore', '--patient', 'ana', '--target', path.join(dir, 'plan'), '--plan'], env);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, new RegExp(`${SHARED + 1} resources of the patient also concern other patients and will NOT be written`));
  assert.equal(plan.stdout.split('\n').filter((l) => /^ {2}– (Appointment|Group)\//.test(l)).length, 50);
  assert.ok(plan.stdout.includes(`… and ${SHARED + 1 - 50} more`), plan.stdout);
  assert.match(plan.stdout, /– Appointment\/casal-00 {2}\(1 other patient: Patient\/bruno\)/);

  // Default: only Ana's own records are written; every shared one is named in the report.
  const only = path.join(dir, 'ana');
  const r = await runCli(['restore', '--patient', 'ana', '--target', only, '--yes', '--json'], env);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { resources: number; shared: { resource: string; patients: string[] }[]; sharedIncluded: boolean };
  assert.deepEqual(await restored(only), own);
  assert.equal(report.resources, own.length);
  assert.deepEqual(report.shared.map((s) => s.resource).sort(), sharedIds);
  assert.ok(report.shared.every((s) => s.patients.join() === 'bruno'));
  assert.equal(report.sharedIncluded, false);
  for (const f of await readdir(only)) assert.doesNotMatch(await readFile(path.join(only, f), 'utf8'), /Patient\/bruno/, `${f} names no other patient`);

  // Opting in writes them too.
  const all = path.join(dir, 'ana-shared');
  const w = await runCli(['restore', '--patient', 'ana', '--include-shared', '--target', all, '--yes'], env);
  assert.equal(w.code, 0, w.stderr);
  assert.deepEqual(await restored(all), [...own, ...sharedIds].sort());
});
