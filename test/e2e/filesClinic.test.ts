/**
 * Issue #17's "done when", through the UI only, in a real browser at 1366×768 in pt-BR, from a fresh state: a
 * clinic with no records server, only folders and the practice program's PostgreSQL database (a real one, started
 * here on loopback). The setup wizard chooses the folder with the folder picker, the database with its preset and
 * tests the dump (a wrong password first: the cause in plain words); a local repository; an offsite copy to a real
 * S3 server (s3rver on 127.0.0.1); "back up now" backs up both sources and fills the copy; the restore tests of
 * both sources pass; one file is restored byte-identical into a new folder (then over a changed copy, only after the
 * typed word), and the database into a new database
 * with equal row counts and checksums. The new screens pass axe (WCAG 2.1 AA) and the plain-words scan; no secret
 * reaches the page. Everything started here is stopped in `after`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import S3rver from 's3rver';
import { startClinicPostgres, type Postgres } from '../source/db/servers.js';
import { tempDir } from '../support/tmp.js';
import { assertAccessible, assertPlainWords, launchBrowser, openApp, saveScreenshot, startStack } from './support.js';

const BUCKET = 'clinica-arquivos';
const S3_SECRET = 'offsite-secret-files-e2e-Zk42';
const WRONG_PASSWORD = 'senha-do-banco-errada';
const CHECKSUMS = `select 'pacientes', count(*), md5(string_agg(p::text, '|' order by id)) from pacientes p
union all select 'consultas', count(*), md5(string_agg(c::text, '|' order by id)) from consultas c;`;

async function findFile(dir: string, name: string): Promise<string | null> {
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name === name) return path.join(e.parentPath, e.name);
  return null;
}

describe('a clinic with only folders and a PostgreSQL database, through the UI (browser)', () => {
  let pg: (Postgres & { stop(): Promise<void> }) | null = null;
  let skip = '';

  before(async () => {
    const started = await startClinicPostgres(
      `create table pacientes (id serial primary key, nome text not null, nascimento date);
       insert into pacientes (nome, nascimento) select 'Paciente ' || i || ' Conceição', date '1950-01-01' + i from generate_series(1, 4000) i;
       create table consultas (id bigserial primary key, paciente int references pacientes(id), nota text);
       insert into consultas (paciente, nota) select 1 + i % 4000, repeat('retorno em 30 dias; ', 1 + i % 4) from generate_series(1, 12000) i;`,
    );
    if (!started.ok) {
      skip = started.reason;
      return;
    }
    pg = started.server;
  });
  after(() => pg?.stop());

  it('sets up, backs up, copies offsite, runs the restore tests and restores one file and the database', { timeout: 600_000 }, async (t) => {
    if (!pg) return t.skip(skip);
    const s3dir = await tempDir('cb-e2e-s3-');
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3dir, configureBuckets: [{ name: BUCKET }] });
    const s3port = (await s3.run()).port;
    after(() => s3.close());
    const stack = await startStack('pt-BR', { withoutRepo: true });
    const drive = path.dirname(stack.repo);
    // The clinic's documents, on the drive the folder picker offers: a PDF report with an accented name and images.
    const docs = path.join(drive, 'Documentos');
    await mkdir(path.join(docs, 'laudos'), { recursive: true });
    await mkdir(path.join(docs, 'imagens', 'dermatoscopio'), { recursive: true });
    const report = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(300_000)]);
    await writeFile(path.join(docs, 'laudos', 'ultrassom Conceição.pdf'), report);
    await writeFile(path.join(docs, 'laudos', 'receita João.pdf'), Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(20_000)]));
    for (let i = 1; i <= 3; i++) await writeFile(path.join(docs, 'imagens', 'dermatoscopio', `lesao-${i}.jpg`), randomBytes(200_000));
    await writeFile(path.join(docs, 'laudos', '~$rascunho.docx'), 'arquivo de bloqueio do Word');

    const browser = await launchBrowser();
    const { page, bodies, errors } = await openApp(browser, stack);
    page.setDefaultTimeout(60_000);

    // 1. Setup: what to protect — folders and the database, no records server.
    await page.getByTestId('start-setup').click();
    await page.getByTestId('setup-wizard').waitFor();
    await page.getByTestId('clinic-name').fill('Clínica Dermatológica Ipê');
    const next = page.getByTestId('next');
    assert.equal(await next.isDisabled(), true, 'nothing ticked yet');
    await page.getByTestId('protect-folders').check();
    await page.locator(`[data-testid="picker-root"][data-path="${drive}"]`).click();
    await page.locator('[data-testid="picker-folder"][data-name="Documentos"]').click();
    await page.getByTestId('picker-use-source').click();
    assert.equal(
      (await page.getByTestId('folders-chosen').innerText())
        .trim()
        .split('\n')[0]
        ?.replace(/\s*Tirar$/, ''),
      docs,
    );
    await page.getByTestId('protect-database').check();
    assert.equal(await next.isDisabled(), true, 'the database is not tested yet');
    await page.getByTestId('db-preset-postgres').check();
    await page.getByTestId('db-host').fill('127.0.0.1');
    await page.getByTestId('db-port').fill(String(pg.port));
    await page.getByTestId('db-user').fill(pg.user);
    await page.getByTestId('db-password').fill(WRONG_PASSWORD);
    await page.getByTestId('db-database').fill('clinica');
    await page.getByTestId('db-test').click();
    const failed = page.getByTestId('db-test-failed');
    await failed.waitFor();
    assert.equal(await failed.locator('[data-cause]').getAttribute('data-cause'), 'authentication');
    assert.match(await failed.innerText(), /recusou o usuário ou a senha/);
    assert.equal(await page.getByTestId('db-password').inputValue(), '', 'the password left the page for the secret store');
    assert.equal(await next.isDisabled(), true);
    await page.getByTestId('db-password').fill(pg.password);
    await page.getByTestId('db-test').click();
    await page.getByTestId('db-test-ok').waitFor();
    assert.match(await page.getByTestId('db-test-ok').innerText(), /A cópia do banco de dados funcionou: [\d,]+ MB em [\d,]+ s \(pg_dump/);
    assert.equal(await next.isDisabled(), false);
    // The screenshot shows the step from its question down (the page had scrolled to the test's result).
    await page.evaluate("document.querySelector('[data-testid=setup-wizard]').scrollIntoView({ block: 'start' })");
    await saveScreenshot(page, 'setup-what-to-protect');
    await assertPlainWords(page, 'setup: what to protect');
    await assertAccessible(page, 'setup: what to protect');
    await next.click();

    // 2. A local repository, chosen with the folder picker.
    await page.locator(`[data-testid="picker-root"][data-path="${drive}"]`).click();
    await page.getByTestId('picker-use').click();
    await page.getByTestId('use-destination').click();

    // 3. The offsite copy on a real S3 server.
    await page.getByTestId('offsite-form').waitFor();
    await page.getByTestId('provider-other').check();
    await page.getByTestId('s3-endpoint').fill(`http://127.0.0.1:${s3port}`);
    await page.getByTestId('s3-bucket').fill(BUCKET);
    await page.getByTestId('s3-access-key').fill('S3RVER');
    await page.getByTestId('s3-secret-key').fill(S3_SECRET);
    await page.getByTestId('offsite-test-save').click();
    await page.getByTestId('offsite-added').waitFor();
    await page.getByTestId('offsite-next').click();

    // 4. Schedule and the recovery kit (two words typed back).
    await page.getByTestId('preset-daily').check();
    await page.getByTestId('save-schedule').click();
    const kit = page.getByTestId('recovery-kit');
    await kit.waitFor();
    const words = (await kit.locator('.kit-word').allInnerTexts()).map((w) => w.trim());
    await page.getByTestId('kit-stored').click();
    const positions = (await page.locator('.kit-confirm label').allInnerTexts()).map((l) => Number(/(\d+)/.exec(l)?.[1]));
    await page.getByTestId('kit-word-0').fill(words[(positions[0] as number) - 1] as string);
    await page.getByTestId('kit-word-1').fill(words[(positions[1] as number) - 1] as string);
    await page.getByTestId('kit-confirm').click();
    await page.getByTestId('kit-confirmed').waitFor();
    await page.getByTestId('kit-next').click();

    // 5. Done: both sources listed; the first backup backs up both and fills the offsite copy.
    await page.getByTestId('setup-done').waitFor();
    const summary = await page.getByTestId('done-source').allInnerTexts();
    assert.deepEqual(summary, [`Pastas (Documentos e exames): ${docs}`, 'Banco de dados: Programa da clínica']);
    await page.getByTestId('first-backup').click();
    await page.getByTestId('backup-success').waitFor({ timeout: 180_000 });
    assert.match(await page.getByTestId('backup-success').innerText(), /Documentos e exames, Programa da clínica/);
    const card = page.getByTestId('sources');
    await card.waitFor();
    assert.doesNotMatch(await card.innerText(), /Ainda sem backup/);
    const status = await stack.app.host.call('status', []);
    assert.ok(status.ok);
    const destinations = (status.value as { destinations: { kind: string; lastSuccessAt: string | null }[] }).destinations;
    assert.deepEqual(
      destinations.map((d) => [d.kind, d.lastSuccessAt !== null]),
      [['s3', true]],
      'the offsite copy was filled after the backup',
    );
    assert.ok(
      (await readdir(path.join(s3dir, BUCKET), { recursive: true })).some((f) => String(f).includes('snapshots')),
      'snapshots in the bucket',
    );

    // 6. Restore tests of both sources.
    await page.locator('a[href="#/drills"]').click();
    const drills = page.getByTestId('source-drill');
    await drills.first().waitFor();
    assert.equal(await drills.count(), 2);
    for (const name of ['Documentos e exames', 'Programa da clínica']) {
      const row = page.locator(`[data-testid="source-drill"][data-source="${name}"]`);
      await row.getByTestId('source-drill-run').click();
      await row.getByTestId('source-drill-result').waitFor({ timeout: 180_000 });
      const text = await row.getByTestId('source-drill-result').innerText();
      assert.match(text, /Teste aprovado/, `${name}: ${text}`);
      assert.doesNotMatch(text, /✗/, `${name}: every check held`);
    }
    await assertPlainWords(page, 'drills of folders and databases');
    await assertAccessible(page, 'drills of folders and databases');

    // 7. One file, found by name, restored into a new folder: byte-identical; nothing existing touched.
    await page.locator('a[href="#/restore"]').click();
    await page.getByTestId('files-restore').waitFor();
    await page.locator('[data-testid="files-source"][data-name="Documentos e exames"]').check();
    // "As it was on" a day before any backup: nothing to show, said so, and the wizard stays; today: the backup.
    await page.getByTestId('files-as-of').fill('2001-01-01');
    await page.getByTestId('files-next').click();
    await page.locator('[data-code="SNAPSHOT_NOT_FOUND"]').waitFor();
    assert.match(await page.locator('[data-code="SNAPSHOT_NOT_FOUND"]').innerText(), /Não há backup desta origem feito até 01\/01\/2001/);
    assert.equal(await page.getByTestId('files-list').count(), 0);
    const now = new Date();
    await page.getByTestId('files-as-of').fill(`${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`);
    await assertAccessible(page, 'restore files: source');
    await assertPlainWords(page, 'restore files: source');
    await page.getByTestId('files-next').click();
    await page.getByTestId('files-list').waitFor();
    // Browsing: the root holds the folder, one level at a time.
    await page.locator('[data-testid="files-open"][data-name="Documentos"]').click();
    await page.locator('[data-testid="files-open"][data-name="laudos"]').waitFor();
    assert.equal(await page.locator('[data-testid="files-list"] tbody tr').count(), 2, 'laudos and imagens, not their contents');
    await page.getByTestId('files-query').fill('conceicao');
    await page.getByTestId('files-search').click();
    const row = page.locator('[data-testid="files-list"] tbody tr[data-path="Documentos/laudos/ultrassom Conceição.pdf"]');
    await row.waitFor();
    assert.equal(await page.locator('[data-testid="files-list"] tbody tr').count(), 1);
    await row.getByTestId('files-pick').check();
    await assertAccessible(page, 'restore files: pick');
    await assertPlainWords(page, 'restore files: pick');
    await page.getByTestId('files-pick-next').click();
    await page.locator(`[data-testid="picker-root"][data-path="${drive}"]`).click();
    await page.getByTestId('picker-use-source').click();
    const target = (await page.getByTestId('files-target').locator('strong').innerText()).trim();
    assert.ok(target.startsWith(`${drive}/Restaurado `), target);
    await page.getByTestId('files-plan').click();
    await page.getByTestId('files-plan-result').waitFor();
    assert.match(await page.getByTestId('files-plan-result').innerText(), /1 arquivo e/);
    assert.match(await page.getByTestId('files-plan-new').innerText(), /nada existente será tocado/);
    await assertAccessible(page, 'restore files: plan');
    await assertPlainWords(page, 'restore files: plan');
    await page.getByTestId('files-restore-now').click();
    await page.getByTestId('files-restored').waitFor({ timeout: 120_000 });
    const restored = await findFile(target, 'ultrassom Conceição.pdf');
    assert.ok(restored, 'the file is in the new folder');
    assert.ok((await readFile(restored)).equals(report), 'byte-identical');
    assert.equal((await readdir(target, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length, 1, 'only the chosen file');

    // 7b. The same file into the same folder, where it now exists (and was changed): the plan says so, nothing is
    // written without the typed word, and with it the file is replaced by the backup's bytes.
    await writeFile(restored, 'alterado depois da restauração');
    await page.getByTestId('files-again').click();
    await page.locator('[data-testid="files-source"][data-name="Documentos e exames"]').check();
    await page.getByTestId('files-next').click();
    await page.getByTestId('files-query').fill('ultrassom');
    await page.getByTestId('files-search').click();
    await row.getByTestId('files-pick').check();
    await page.getByTestId('files-pick-next').click();
    await page.locator('details.dest-typed summary').click();
    await page.getByTestId('files-target-typed').fill(target);
    await page.getByTestId('files-plan').click();
    await page.getByTestId('files-plan-existing').waitFor();
    assert.match(await page.getByTestId('files-plan-existing').innerText(), /1 arquivo já existe no destino/);
    assert.equal(await page.getByTestId('files-restore-now').isDisabled(), true, 'no overwrite without asking for it');
    await page.getByTestId('files-overwrite').check();
    await page.getByTestId('files-confirm').fill('RESTAURAR');
    await page.getByTestId('files-restore-now').click();
    await page.locator('[data-code="CONFIRMATION_MISMATCH"]').waitFor();
    assert.equal(await readFile(restored, 'utf8'), 'alterado depois da restauração', 'nothing written on a wrong word');
    await assertAccessible(page, 'restore files: overwrite confirmation');
    await assertPlainWords(page, 'restore files: overwrite confirmation');
    await page.getByTestId('files-confirm').fill('SUBSTITUIR');
    await page.getByTestId('files-restore-now').click();
    await page.getByTestId('files-restored').waitFor({ timeout: 120_000 });
    assert.ok((await readFile(restored)).equals(report), 'replaced by the backup, byte-identical');

    // 8. The database restored into a new database: row counts and checksums equal; the original untouched.
    await page.getByTestId('files-again').click();
    await page.locator('[data-testid="files-source"][data-name="Programa da clínica"]').check();
    await page.getByTestId('files-next').click();
    await page.getByTestId('files-list').waitFor();
    await page.getByTestId('files-pick').first().check();
    await page.getByTestId('files-pick-next').click();
    await page.getByTestId('db-mode-database').check();
    await page.getByTestId('db-new-name').fill('clinica_restaurada');
    await assertAccessible(page, 'restore database: where to');
    await assertPlainWords(page, 'restore database: where to');
    await page.getByTestId('files-plan').click();
    assert.match(await page.getByTestId('files-plan-result').innerText(), /banco de dados novo: clinica_restaurada/);
    await page.getByTestId('files-restore-now').click();
    await page.getByTestId('files-restored').waitFor({ timeout: 180_000 });
    assert.equal(pg.sql('clinica_restaurada', CHECKSUMS), pg.sql('clinica', CHECKSUMS));
    assert.match(pg.sql('clinica_restaurada', CHECKSUMS), /^pacientes\|4000\|[0-9a-f]{32}\nconsultas\|12000\|[0-9a-f]{32}$/);
    await assertPlainWords(page, 'restore database: outcome');

    // No secret ever reached the page.
    await page.waitForTimeout(200);
    const all = bodies.join('\n');
    for (const secret of [pg.password, WRONG_PASSWORD, S3_SECRET, stack.passphrase, stack.app.token]) assert.equal(all.includes(secret), false, `secret in an API response: ${secret.slice(0, 4)}…`);
    assert.deepEqual(
      errors.filter((e) => !/status of (4\d\d)/.test(e)),
      [],
      'no script errors',
    );
  });
});
