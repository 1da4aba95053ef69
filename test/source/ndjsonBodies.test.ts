/**
 * Bulk-export NDJSON bodies as servers write them, read through the block path (whole lines handed to the archiver
 * as they came, issue 16): a byte order mark, CRLF line ends, blank lines, no LF after the last line, a bad line deep
 * in the file, all arriving in network pieces that cut lines anywhere. A small loopback server plays the bulk
 * export (kick-off, status, manifest, file), so the bytes on the wire are exactly the test's.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { backupFhir } from '../../src/archiver/fhirBackup.js';
import { snapshotResources } from '../support/fhir.js';
import { newRepo } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

interface Body {
  /** The file's bytes. */
  readonly bytes: Buffer;
  /** Sizes of the pieces it is written in (cycled), each a separate write after a pause. */
  readonly pieces: readonly number[];
}

/** A bulk-export server on 127.0.0.1 with one Patient file; counts the file's downloads. */
async function bulkServer(body: Body): Promise<{ url: string; downloads: () => number }> {
  let downloads = 0;
  const server = http.createServer((req, res) => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
    const url = req.url ?? '';
    if (url === '/fhir/metadata') {
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', rest: [{ mode: 'server', operation: [{ name: 'export', definition: 'x' }] }] }));
    } else if (url.startsWith('/fhir/$export')) {
      res.writeHead(202, { 'Content-Location': `${base}/job/1` });
      res.end();
    } else if (url === '/fhir/job/1') {
      if (req.method === 'DELETE') {
        res.writeHead(202);
        res.end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          transactionTime: '2026-12-05T10:00:00Z',
          request: `${base}/$export`,
          requiresAccessToken: false,
          output: [{ type: 'Patient', url: `${base}/files/Patient.ndjson` }],
          error: [],
        }),
      );
    } else if (url === '/fhir/files/Patient.ndjson') {
      downloads++;
      res.writeHead(200, { 'Content-Type': 'application/fhir+ndjson' });
      res.socket?.setNoDelay(true);
      let at = 0;
      let k = 0;
      const next = (): void => {
        if (at >= body.bytes.length) {
          res.end();
          return;
        }
        const n = body.pieces[k++ % body.pieces.length] as number;
        res.write(body.bytes.subarray(at, at + n));
        at += n;
        // A pause between pieces now and then, so they arrive as separate network reads.
        if (k % 4 === 0) setTimeout(next, 1);
        else setImmediate(next);
      };
      next();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, downloads: () => downloads };
}

function patient(i: number): string {
  return JSON.stringify({ resourceType: 'Patient', id: `p${i}`, name: [{ family: `Souza ${'x'.repeat(i % 300)}`, given: ['Ana'] }], birthDate: '1980-01-01' });
}

describe('bulk-export NDJSON bodies (block path)', () => {
  it('BOM, CRLF, blank lines, no final LF and a bad line at line 1,503, in pieces that cut lines anywhere: every good line stored exactly, the bad one named by its line', async () => {
    const lines: string[] = [];
    const expected = new Map<string, string>();
    for (let i = 1; i <= 3000; i++) {
      if (i % 97 === 0)
        lines.push(''); // blank line: counted, not a resource
      else if (i === 1503)
        lines.push('{"resourceType":"Patient","id":"bad",'); // malformed
      else {
        lines.push(patient(i));
        expected.set(`Patient/p${i}`, patient(i));
      }
    }
    const text = '\ufeff' + lines.join('\r\n'); // no line end after the last line
    // Pieces of 1 byte up to ~70 KiB: a line is cut inside a CRLF, inside the BOM and across many reads.
    const { url, downloads } = await bulkServer({ bytes: Buffer.from(text, 'utf8'), pieces: [1, 2, 3, 5, 700, 8191, 13, 65536, 70001, 4, 1, 1] });
    const { repo } = await newRepo(await tempDir());
    const r = await backupFhir(repo, { baseUrl: url, auth: { kind: 'none' }, strategy: 'bulk-export' });
    assert.equal(r.manifest.partial, true, 'a bad line makes the snapshot partial');
    assert.equal(r.manifest.problemCount, 1);
    assert.equal(r.manifest.problems[0]?.code, 'INPUT_MALFORMED');
    assert.match(r.manifest.problems[0]?.file ?? '', /Patient\.ndjson$/);
    assert.equal(r.manifest.problems[0]?.line, 1503, 'line numbers count blank lines and survive every cut');
    const got = await snapshotResources(repo, r.manifest);
    assert.equal(got.size, expected.size);
    for (const [key, json] of expected) assert.equal(got.get(key)?.toString('utf8'), json, key);
    assert.equal(downloads(), 1, 'a body without a final LF whose last line is whole is not a truncation');
  });

  it('a body cut in the middle of its last line is fetched again; when it stays cut the run fails as truncated', async () => {
    const good = [patient(1), patient(2), patient(3)].join('\n') + '\n';
    const cut = Buffer.from(good + patient(4).slice(0, 30), 'utf8');
    const { url, downloads } = await bulkServer({ bytes: cut, pieces: [17] });
    const { repo } = await newRepo(await tempDir());
    await assert.rejects(
      backupFhir(repo, { baseUrl: url, auth: { kind: 'none' }, strategy: 'bulk-export' }),
      (err: unknown) => (err as { code?: string }).code === 'SOURCE_BAD_RESPONSE' && /truncated/.test(String((err as { details?: Record<string, unknown> }).details?.['reason'])),
    );
    assert.equal(downloads(), 3, 'fetched again twice before giving up');
    assert.equal((await repo.listSnapshots()).length, 0, 'no snapshot');
  });
});
