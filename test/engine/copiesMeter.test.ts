/**
 * The 3-2-1-1-0 meter counts the primary repository: the clinic's server, a NAS holding the repository and a USB drive
 * in rotation are 3 copies on 3 media (it showed 2/3), and each point still missing is explained with its fix.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { createEngine, createSampleDataset } from '../../src/index.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

it('NAS + USB: 3 copies (server, NAS, USB) on 3 media; offsite and immutable missing, each with what to do', async () => {
  const dir = await tempDir('cb-meter-');
  const usb = path.join(dir, 'usb');
  await mkdir(usb);
  const data = path.join(dir, 'data');
  await createSampleDataset(data, { patients: 2 });
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { mode: 0o700 });
  const engine = createEngine({
    repo: path.join(dir, 'nas'),
    passwordFile: await writePasswordFile(dir),
    secretsDir,
    stateDir: path.join(dir, 'state'),
    locale: 'en',
    copies: [{ location: usb, kind: 'usb', label: 'USB' }],
  });
  try {
    await engine.init({ useKeychain: false });
    const before = await engine.status();
    assert.equal(before.copies.copies, 1, 'before any backup only the server holds the data');
    await engine.backupNdjson(data);
    const s = await engine.status();
    assert.equal(s.copies.copies, 3, s.copies.text);
    assert.equal(s.copies.media, 3);
    assert.match(s.copies.text, /^3 copies · 3 media · 0 offsite/);
    assert.deepEqual(
      s.copies.missing?.map((m) => m.rule),
      ['offsite', 'immutable'],
    );
    assert.match(s.copies.missing?.[0]?.text ?? '', /Set up a cloud bucket/);
    assert.match(s.copies.missing?.[1]?.text ?? '', /Enable Object Lock on the bucket or rotate a USB drive/);
  } finally {
    await engine.close();
  }
});
