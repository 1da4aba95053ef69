/**
 * Attachments in backups (issue 14 §1), against the sandbox over HTTP into a real repository: content stored in
 * deduplicated chunks with its SHA-256; fetched again only when the resource changed; other hosts recorded and
 * fetched only when allowed; a failed download makes the snapshot partial; check and prune keep the content.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { backupFhir, type FhirBackupOptions, type FhirBackupResult } from '../../src/archiver/fhirBackup.js';
import { checkRepository } from '../../src/checker/checker.js';
import { CHUNK_BYTES, readAttachmentContent, readAttachments } from '../../src/repository/attachments.js';
import { pruneRepository } from '../../src/repository/prune.js';
import type { Repository } from '../../src/repository/repository.js';
import type { SandboxServer } from '../../src/sandbox/index.js';
import { requestsMatching, sandbox } from '../support/fhir.js';
import { newRepo, reopen } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';
import { flipByteInBlob, storedBlobs } from '../support/v2.js';

async function repoIn(): Promise<{ repo: Repository; root: string }> {
  const { repo, root } = await newRepo(await tempDir());
  return { repo, root };
}

function run(repo: Repository, server: SandboxServer, opts: Partial<FhirBackupOptions> = {}): Promise<FhirBackupResult> {
  // Binary unsearchable (like Medplum): the content of every document is read by its link.
  return backupFhir(repo, { baseUrl: server.url, auth: { kind: 'none' }, strategy: 'search', ...opts });
}

/** A file server on another loopback port (another origin), counting requests and Authorization headers. */
async function fileServer(body: Buffer): Promise<{ origin: string; hits: { auth: boolean }[] }> {
  const hits: { auth: boolean }[] = [];
  const srv = http.createServer((req, res) => {
    hits.push({ auth: req.headers.authorization !== undefined });
    res.writeHead(200, { 'Content-Type': 'application/pdf' }).end(body);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => srv.close(() => resolve())));
  return { origin: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, hits };
}

/** A DocumentReference on the source whose PDF lives on another host (`url`). */
function putExternalDocument(server: SandboxServer, url: string): void {
  server.store.put(
    'DocumentReference',
    'docref-external',
    JSON.stringify({ resourceType: 'DocumentReference', id: 'docref-external', status: 'current', content: [{ attachment: { contentType: 'application/pdf', url } }] }),
  );
}

describe('attachments in a backup', () => {
  it('every linked document is stored with its SHA-256, in chunks, the same bytes once; a large one spans chunks', async () => {
    const server = await sandbox({
      patients: 3,
      seed: 71,
      documents: { patients: 2, pdfBytes: CHUNK_BYTES * 2 + 1234 },
      auth: { bearerTokens: ['t0k'] },
      faults: { unsearchable: { types: ['Binary'] } },
    });
    const { repo } = await repoIn();
    const r = await run(repo, server, { auth: { kind: 'bearer', token: 't0k' } });
    const records = await readAttachments(repo, r.manifest.attachments);
    assert.equal(records.length, server.documents.length);
    for (const d of server.documents) {
      const rec = records.find((x) => x.owner === d.owner && x.url === d.url);
      assert.ok(rec, `${d.owner} ${d.url}`);
      assert.equal(rec.status, 'stored');
      assert.equal(rec.sha256, d.sha256);
      assert.equal(rec.size, d.size);
      const content = await readAttachmentContent(repo, rec);
      assert.equal(createHash('sha256').update(content).digest('hex'), d.sha256);
      if (d.size > CHUNK_BYTES) assert.ok(rec.blobs.length >= 3, 'a large file spans chunks');
    }
    // doc-0 and its copy (another Binary, same bytes) share their chunks.
    const a = records.find((x) => x.url === 'Binary/doc-0');
    const b = records.find((x) => x.url === 'Binary/doc-0-copy');
    assert.deepEqual(a?.blobs, b?.blobs);
    assert.equal(r.manifest.attachments?.stored, server.documents.length);
    // The run summary's counts and sizes: every record, its bytes (each document counted, copies included).
    assert.equal(r.manifest.attachments?.count, server.documents.length);
    assert.equal(
      r.manifest.attachments?.bytes,
      server.documents.reduce((n, d) => n + d.size, 0),
    );
    assert.deepEqual([r.manifest.attachments?.external, r.manifest.attachments?.failed], [0, 0]);
    assert.ok(
      server.requestLog.filter((e) => /\/Binary\//.test(e.target)).every((e) => e.authorization),
      "fetched with the source's credentials",
    );
    assert.equal(requestsMatching(server, /\/Binary\/doc-0$/), 1, 'the same link is fetched once per run');
  });

  it('incremental: an attachment is fetched again only when its resource changed', async () => {
    const server = await sandbox({ patients: 3, seed: 72, documents: { patients: 3 }, faults: { unsearchable: { types: ['Binary'] } } });
    const { repo } = await repoIn();
    const first = await run(repo, server);
    const before = requestsMatching(server, /\/Binary\//);
    const idle = await run(repo, server);
    assert.equal(idle.manifest.mode, 'incremental');
    assert.equal(requestsMatching(server, /\/Binary\//), before, 'nothing fetched again');
    assert.deepEqual(idle.manifest.attachments, first.manifest.attachments);
    // docref-1 changes (a new title): only its document is fetched again.
    const doc = JSON.parse(server.store.get('DocumentReference', 'docref-1') as string) as { description?: string };
    doc.description = 'revisado';
    server.store.put('DocumentReference', 'docref-1', JSON.stringify(doc));
    const mark = server.requestLog.length;
    const next = await run(repo, server);
    const fetched = server.requestLog
      .slice(mark)
      .filter((e) => /\/Binary\//.test(e.target))
      .map((e) => e.target);
    assert.deepEqual(fetched, ['/fhir/Binary/doc-1']);
    assert.equal((await readAttachments(repo, next.manifest.attachments)).length, server.documents.length);
    // A deleted resource takes its attachment records with it.
    server.store.delete('Media', 'media-0');
    const after = await run(repo, server, { full: true });
    assert.ok(!(await readAttachments(repo, after.manifest.attachments)).some((x) => x.owner === 'Media/media-0'));
  });

  it('links to Binaries that come with their data (bulk export): not fetched, content named by the Binary; a changed Binary is followed, a deleted one marks the link failed', async () => {
    const server = await sandbox({ patients: 2, seed: 76, documents: { patients: 2 } });
    const { repo } = await repoIn();
    const r = await backupFhir(repo, { baseUrl: server.url, auth: { kind: 'none' } });
    assert.equal(r.strategy, 'bulk-export');
    assert.equal(requestsMatching(server, /\/Binary\//), 0, 'no document fetched again');
    const records = await readAttachments(repo, r.manifest.attachments);
    const doc1 = records.find((x) => x.owner === 'DocumentReference/docref-1');
    assert.deepEqual([doc1?.resource, doc1?.blobs, doc1?.sha256], ['Binary/doc-1', [], server.documents.find((d) => d.owner === 'DocumentReference/docref-1')?.sha256]);
    const pdf = Buffer.from('%PDF-1.4 versão corrigida\n%%EOF');
    server.store.put('Binary', 'doc-1', JSON.stringify({ resourceType: 'Binary', id: 'doc-1', contentType: 'application/pdf', data: pdf.toString('base64') }));
    server.store.delete('Binary', 'img-0');
    const next = await backupFhir(repo, { baseUrl: server.url, auth: { kind: 'none' } });
    assert.equal(next.manifest.mode, 'incremental');
    const after = await readAttachments(repo, next.manifest.attachments);
    assert.equal(after.find((x) => x.owner === 'DocumentReference/docref-1')?.sha256, createHash('sha256').update(pdf).digest('hex'), 'follows the new content');
    const img = after.find((x) => x.owner === 'Media/media-0');
    assert.equal(img?.status, 'failed');
    assert.match(img?.reason ?? '', /Binary\/img-0 was deleted/);
  });

  it('a link to another host: recorded, not fetched, warned; fetched once the host is allowed', async () => {
    const pdf = Buffer.from('%PDF-1.4 laudo externo\n%%EOF');
    const files = await fileServer(pdf);
    const server = await sandbox({ patients: 2, seed: 73, documents: { patients: 1 }, faults: { unsearchable: { types: ['Binary'] } } });
    putExternalDocument(server, `${files.origin}/laudos/1.pdf`);
    const { repo } = await repoIn();
    const r = await run(repo, server);
    const ext = (await readAttachments(repo, r.manifest.attachments)).find((x) => x.owner === 'DocumentReference/docref-external');
    assert.equal(ext?.status, 'external');
    assert.equal(files.hits.length, 0, 'nothing requested from a host not allowed');
    assert.deepEqual(
      r.manifest.warnings?.filter((w) => w.code === 'ATTACHMENT_EXTERNAL').map((w) => w.details['host']),
      [new URL(files.origin).host],
    );
    assert.equal(r.manifest.partial, false);
    assert.equal(r.manifest.attachments?.external, 1, 'counted in the run summary');
    // Allowed: the unchanged resource's record is tried again and stored.
    const allowed = await run(repo, server, { allowedHosts: [new URL(files.origin).host] });
    const got = (await readAttachments(repo, allowed.manifest.attachments)).find((x) => x.owner === 'DocumentReference/docref-external');
    assert.equal(got?.status, 'stored');
    assert.equal(got?.sha256, createHash('sha256').update(pdf).digest('hex'));
    assert.equal(files.hits.length, 1);
  });

  it('a bulk export whose files need no token (requiresAccessToken: false): links to the source server are still read with its credentials; an allowed other host gets the token only when the manifest asks for it', async () => {
    const pdf = Buffer.from('%PDF-1.4 laudo no servidor de arquivos\n%%EOF');
    const files = await fileServer(pdf);
    const fileHost = new URL(files.origin).host;
    const server = await sandbox({ patients: 2, seed: 78, documents: { patients: 2 }, auth: { bearerTokens: ['tk'] }, faults: { manifestRequiresAccessToken: false } });
    putExternalDocument(server, `${files.origin}/laudos/2.pdf`);
    // Binary left out of the export: every link is read one by one.
    const opts: FhirBackupOptions = { baseUrl: server.url, auth: { kind: 'bearer', token: 'tk' }, types: ['DocumentReference', 'Media', 'DiagnosticReport'], allowedHosts: [fileHost] };
    const { repo } = await repoIn();
    const r = await backupFhir(repo, opts);
    assert.equal(r.strategy, 'bulk-export');
    assert.equal(r.manifest.partial, false, JSON.stringify(r.manifest.problems));
    const records = await readAttachments(repo, r.manifest.attachments);
    for (const d of server.documents) assert.equal(records.find((x) => x.owner === d.owner && x.url === d.url)?.sha256, d.sha256, `${d.owner} ${d.url}`);
    const reads = server.requestLog.filter((e) => /\/Binary\//.test(e.target));
    assert.ok(reads.length > 0 && reads.every((e) => e.authorization), 'Binary reads on the source carry its credentials');
    assert.equal(records.find((x) => x.owner === 'DocumentReference/docref-external')?.sha256, createHash('sha256').update(pdf).digest('hex'));
    assert.deepEqual(files.hits, [{ auth: false }], 'no token to the other host: the manifest said none is needed');
    // The manifest asks for the token (the default with auth): the allowed host gets it.
    server.faults.set({ manifestRequiresAccessToken: null });
    await backupFhir((await repoIn()).repo, opts);
    assert.deepEqual(
      files.hits.map((h) => h.auth),
      [false, true],
    );
  });

  it('a document that cannot be fetched: recorded as failed, the snapshot partial; the next run tries it again', async () => {
    const server = await sandbox({
      patients: 2,
      seed: 74,
      documents: { patients: 2 },
      faults: { unsearchable: { types: ['Binary'] }, serverError: { nth: 1, times: 100, status: 404, match: 'Binary/img-1' } },
    });
    const { repo } = await repoIn();
    const r = await run(repo, server);
    assert.equal(r.manifest.partial, true);
    assert.ok(r.manifest.problems.some((p) => p.file === 'Media/media-1' && /404/.test(p.reason ?? '')));
    assert.equal((await readAttachments(repo, r.manifest.attachments)).find((x) => x.owner === 'Media/media-1')?.status, 'failed');
    assert.equal(r.manifest.attachments?.failed, 1, 'counted in the run summary');
    server.faults.clear();
    const again = await run(repo, server);
    assert.equal(again.manifest.partial, false);
    assert.equal((await readAttachments(repo, again.manifest.attachments)).find((x) => x.owner === 'Media/media-1')?.status, 'stored');
  });

  it('check verifies attachment content and prune keeps it; damage to it is named by check', async () => {
    const server = await sandbox({ patients: 2, seed: 75, documents: { patients: 2 }, faults: { unsearchable: { types: ['Binary'] } } });
    const { repo, root } = await repoIn();
    const r = await run(repo, server);
    const pruned = await pruneRepository(repo);
    assert.equal(pruned.packsDeleted, 0);
    const fresh = await reopen(root);
    const check = await checkRepository(fresh, { readData: true });
    assert.deepEqual(check.problems, []);
    const records = await readAttachments(fresh, r.manifest.attachments);
    for (const rec of records) {
      const content = await readAttachmentContent(fresh, rec);
      assert.equal(createHash('sha256').update(content).digest('hex'), rec.sha256, 'still readable after prune');
    }
    // A flipped byte in the frame holding a document's content: check names the pack and the document.
    const doc = records.find((x) => x.owner === 'DocumentReference/docref-1') as (typeof records)[0];
    const blob = (await storedBlobs(fresh)).find((b) => b.blob === doc.blobs[0]);
    assert.ok(blob);
    await flipByteInBlob(root, blob);
    const damaged = await checkRepository(await reopen(root), { readData: true });
    assert.equal(damaged.ok, false);
    assert.ok(
      damaged.problems.some((p) => p.code === 'PACK_CORRUPT' && p.resources.includes('DocumentReference/docref-1 (attachment)')),
      JSON.stringify(damaged.problems),
    );
  });
});
