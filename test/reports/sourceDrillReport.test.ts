// The drill report of a folder source and of a database source, from real drills through the engine (a real
// repository, real files, a real SQLite database), printed as PDF and read back with pdftotext, in pt-BR and en:
// the report says what was restored and what that proves (files sampled, hashes equal; dump restored into a
// throw-away database, the sanity query's tables and rows), and a failed proof shows as failed.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createEngine } from '../../src/index.js';
import { sourceDrillReportHtml, sourceDrillReportPdf, type SourceDrillReportData } from '../../src/reports/sourceDrillReport.js';
import { testRepo } from '../restorer/helpers.js';
import { tempDir } from '../support/tmp.js';
import { checkHtml, htmlText, pdfText, POPPLER_SKIP } from './helpers.js';

const flat = (s: string): string => s.replace(/\s+/g, ' ');

describe('drill report of folder and database sources', { skip: POPPLER_SKIP }, () => {
  it('a folder drill and a database drill print what they proved, in pt-BR and in en', async () => {
    const dir = await tempDir('cb-src-drill-report-');
    const repo = await testRepo(path.join(dir, 'main'), { chunkMinBytes: 4096, chunkAvgBytes: 16384, chunkMaxBytes: 65536 });
    const docs = path.join(dir, 'Documentos');
    await mkdir(path.join(docs, 'laudos'), { recursive: true });
    for (let i = 0; i < 12; i++) await writeFile(path.join(docs, 'laudos', `laudo-${i}.txt`), `Laudo ${i} da paciente Conceição.\n`.repeat(200 + i));
    const dbFile = path.join(dir, 'consultorio.db');
    const db = new Database(dbFile);
    db.exec(
      "create table pacientes (id integer primary key, nome text); create table consultas (id integer primary key, paciente integer, nota text); insert into pacientes (nome) values ('Ana'), ('João'), ('Maria');",
    );
    db.prepare("insert into consultas (paciente, nota) values (1, 'retorno'), (2, 'exame'), (3, 'alta'), (1, 'receita')").run();
    db.close();

    const engine = createEngine({ repo: repo.root, passwordFile: repo.passwordFile, stateDir: repo.stateDir, secretsDir: path.join(dir, 'secrets') });
    after(() => engine.close());
    await engine.backupFolders({ paths: [docs], name: 'Documentos da clínica' });
    await engine.backupDatabase({ source: { kind: 'sqlite', path: dbFile }, name: 'Sistema' });

    const files = await engine.drillSource({ source: 'Documentos da clínica', sampleSize: 5 });
    assert.equal(files.status, 'success', JSON.stringify(files.proofs));
    const database = await engine.drillSource({ source: 'Sistema' });
    assert.equal(database.status, 'success', JSON.stringify(database.proofs));

    const filesReport = await engine.drillReport(files.id);
    const pt = flat(pdfText(dir, filesReport.pdf));
    assert.match(pt, /Relatório de teste de recuperação de pastas/);
    assert.match(pt, /APROVADO: os arquivos desta pasta podem ser restaurados\./);
    assert.match(pt, /5 de 5 arquivos sorteados \(de 12\) restaurados numa pasta temporária/);
    assert.match(pt, /5 de 5 arquivos idênticos \(SHA-256\) ao original/);
    assert.match(pt, /Igual ao original \(SHA-256\) OK/);
    assert.match(pt, /Documentos da clínica/);
    assert.deepEqual(checkHtml(filesReport.html).problems, []);

    const dbReport = await engine.drillReport(database.id);
    const dbText = flat(pdfText(dir, dbReport.pdf));
    assert.match(dbText, /Relatório de teste de recuperação do banco de dados/);
    assert.match(dbText, /APROVADO: o banco de dados pode ser restaurado\./);
    assert.match(dbText, /exportação do banco \(sqlite\) restaurada num banco descartável/);
    assert.match(dbText, /consulta de conferência: 2 tabelas, 7 linhas/);
    assert.match(dbText, /banco de dados descartável, apagado depois do teste/);

    // The same drill in English, from the figures the catalog kept (not from the Portuguese text).
    const en = createEngine({ repo: repo.root, passwordFile: repo.passwordFile, stateDir: repo.stateDir, secretsDir: path.join(dir, 'secrets'), locale: 'en' });
    after(() => en.close());
    const enText = flat(pdfText(dir, (await en.drillReport(database.id)).pdf));
    assert.match(enText, /Database restore drill report/);
    assert.match(enText, /PASSED: the database can be restored\./);
    assert.match(enText, /sanity query: 2 tables, 7 rows/);
    assert.match(enText, /What was proven/);
  });

  it('a failed proof prints as failed, with a conclusion not to rely on the backup', async () => {
    const dir = await tempDir('cb-src-drill-report-');
    const data: SourceDrillReportData = {
      id: 7,
      kind: 'files',
      status: 'failed',
      snapshot: { id: 'ab'.repeat(32), time: '2026-12-01T10:00:00Z', source: 'Exames' },
      startedAt: '2026-12-02T10:00:00Z',
      endedAt: '2026-12-02T10:00:09Z',
      recoveryTimeMs: 9000,
      restored: 10,
      bytes: 12_345_678,
      seed: 42,
      proofs: [
        { code: 'filesRestored', ok: true, details: { restored: 10, sampled: 10, total: 900 } },
        { code: 'hashesMatchOriginals', ok: false, details: { compared: 10, equal: 9 } },
      ],
      timeZone: 'America/Sao_Paulo',
      generatedAt: '2026-12-02T10:01:00Z',
    };
    const en = flat(pdfText(dir, await sourceDrillReportPdf(data, 'en')));
    assert.match(en, /FAILED: a file was not restored identical to the original\./);
    assert.match(en, /Same as the original \(SHA-256\) FAILED 9 of 10 files identical/);
    assert.match(en, /do not rely on this backup/);
    assert.match(en, /Sample draw \(seed\) 42/);
    const html = htmlText(sourceDrillReportHtml(data, 'pt-BR'));
    assert.match(flat(html), /REPROVADO: algum arquivo não foi restaurado igual ao original\./);
  });
});
