/**
 * A clinic with only folders and a SQLite database (no FHIR server), in a real browser against `serve`: the sources
 * are added and backed up through the API, the dashboard shows each one with its latest backup, and the folder
 * source's files are browsed and one file restored through the same API the screens use.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { assertAccessible, launchBrowser, openApp, startStack } from './support.js';

describe('folders and a database, without a FHIR server (browser)', () => {
  it('the dashboard shows each source with its last backup; a file is found by name and restored', async () => {
    const stack = await startStack('pt-BR');
    const call = async <T>(method: string, ...args: unknown[]): Promise<T> => {
      const r = await stack.app.host.call(method, args);
      if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
      return r.value as T;
    };
    const docs = path.join(stack.dir, 'Documentos');
    await mkdir(path.join(docs, 'laudos'), { recursive: true });
    await writeFile(path.join(docs, 'laudos', 'ultrassom Conceição.pdf'), '%PDF-1.4 laudo\n'.repeat(1000));
    const dbFile = path.join(stack.dir, 'agenda.db');
    const db = new Database(dbFile);
    db.exec("create table agenda (id integer primary key, nome text); insert into agenda (nome) values ('Maria');");
    db.close();
    await call('init', { useKeychain: false, recoveryLanguage: 'pt-BR' });
    await call('addSource', { kind: 'folders', name: 'Documentos', paths: [docs] });
    await call('addSource', { kind: 'database', name: 'Agenda', database: { kind: 'sqlite', path: dbFile } });
    const runs = await call<{ name: string; ok: boolean }[]>('backupAllSources');
    assert.deepEqual(
      runs.map((r) => [r.name, r.ok]),
      [
        ['Documentos', true],
        ['Agenda', true],
      ],
    );

    const browser = await launchBrowser();
    try {
      const { page, errors } = await openApp(browser, stack);
      const card = page.getByTestId('sources');
      await card.waitFor({ timeout: 30_000 });
      assert.match((await card.textContent()) ?? '', /Documentos.*Pastas/);
      assert.match((await card.textContent()) ?? '', /Agenda.*Banco de dados/);
      assert.doesNotMatch((await card.textContent()) ?? '', /Ainda sem backup/);
      await assertAccessible(page, 'dashboard with sources');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }

    const found = await call<{ entries: { path: string }[] }>('listFiles', { source: 'Documentos', path: '', query: 'conceicao' });
    assert.deepEqual(
      found.entries.map((e) => e.path),
      ['Documentos/laudos/ultrassom Conceição.pdf'],
    );
    const out = path.join(stack.dir, 'restaurado');
    const plan = await call<{ files: number; existingCount: number }>('planRestoreFiles', { source: 'Documentos', path: found.entries[0]?.path, target: out });
    assert.deepEqual([plan.files, plan.existingCount], [1, 0]);
    await call('restoreFiles', { source: 'Documentos', path: found.entries[0]?.path, target: out });
    assert.equal(await readFile(path.join(out, 'ultrassom Conceição.pdf'), 'utf8'), '%PDF-1.4 laudo\n'.repeat(1000));
  });
});
