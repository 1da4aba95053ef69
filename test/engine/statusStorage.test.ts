/**
 * Status never lists the store (issue #18, "the UI stays responsive during backups"): the storage figures come from
 * the catalog and are measured in the background, once after a run and not on every call. Real parts: the engine
 * over a real repository folder and catalog; the primary backend is wrapped to count (and, when asked, hold) the
 * listing of the data files.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { FaultBackend } from '../../src/backend/fault.js';
import type { Backend, FileInfo, FileKind } from '../../src/backend/types.js';
import { createEngine, createSampleDataset } from '../../src/index.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

/** Counts every listing of data files and holds them while `hold` is set. */
class ListingProbe extends FaultBackend {
  static dataLists = 0;
  static hold: Promise<void> | null = null;
  override list(kind: FileKind, signal?: AbortSignal): AsyncIterable<FileInfo> {
    const inner = super.list(kind, signal);
    if (kind !== 'data') return inner;
    ListingProbe.dataLists++;
    const hold = ListingProbe.hold;
    return (async function* () {
      if (hold) await hold;
      yield* inner;
    })();
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`still waiting for ${what}`);
}

describe('status and the size of the store', () => {
  it('answers from the catalog while listing the store is stuck, and measures once per change, not per call', { timeout: 120_000 }, async () => {
    const dir = await tempDir('cb-status-storage-');
    const repo = path.join(dir, 'repo');
    const data = path.join(dir, 'data');
    await createSampleDataset(data, { patients: 3 });
    const passwordFile = await writePasswordFile(dir);
    const secretsDir = path.join(dir, 'secrets');
    await mkdir(secretsDir, { mode: 0o700 });
    const wrapBackend = (_location: string, backend: Backend): Backend => new ListingProbe(backend);
    const make = () => createEngine({ repo, passwordFile, secretsDir, stateDir: path.join(dir, 'state'), locale: 'pt-BR', wrapBackend });
    const first = make();
    await first.init({ useKeychain: false });
    await first.close();
    const engine = make();
    try {
      await engine.backupNdjson(data);
      // Listing the data files now hangs: status must not wait for it.
      let release = (): void => undefined;
      ListingProbe.hold = new Promise<void>((r) => (release = r));
      ListingProbe.dataLists = 0;
      const whileStuck = [];
      for (let i = 0; i < 5; i++) whileStuck.push(await engine.status());
      assert.equal(whileStuck.at(-1)?.snapshots, 1, 'status answers (from the catalog) while the store cannot be listed');
      assert.ok(ListingProbe.dataLists <= 1, `one background measure at most for five calls, not one per call (got ${ListingProbe.dataLists})`);
      ListingProbe.hold = null;
      release();
      // The background measure lands: the compression figure appears, from stored and original sizes.
      await until('the storage measure', async () => (await engine.status()).kpis.compressionRate !== null);
      const listsAfterMeasure = ListingProbe.dataLists;
      for (let i = 0; i < 5; i++) await engine.status();
      assert.equal(ListingProbe.dataLists, listsAfterMeasure, 'a fresh measure is reused: status lists nothing');
      // A new backup changes the store: one new measure after it, then none again.
      await engine.backupNdjson(data);
      const afterBackup = ListingProbe.dataLists;
      await engine.status();
      await until('the measure after the backup', async () => {
        await engine.status();
        return ListingProbe.dataLists > afterBackup;
      });
      await until('the measure to finish', async () => {
        const before = ListingProbe.dataLists;
        await engine.status();
        await new Promise((r) => setTimeout(r, 50));
        return ListingProbe.dataLists === before;
      });
      const settled = ListingProbe.dataLists;
      for (let i = 0; i < 5; i++) await engine.status();
      assert.equal(ListingProbe.dataLists, settled);
    } finally {
      await engine.close();
    }
  });
});
