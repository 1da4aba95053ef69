/**
 * Attachments of a snapshot (issue 14 §1): the exam PDFs and images that resources point to by URL
 * (DocumentReference.content.attachment.url, Media.content.url, DiagnosticReport.presentedForm.url, …).
 *
 * This module is the one place that knows how attachment metadata is kept, so a later repository format can
 * carry it differently without touching the tree rows:
 *  - content is stored like any blob: split into chunks of CHUNK_BYTES, each a content-addressed, deduplicated
 *    `data` blob (the same PDF referenced twice, or unchanged across backups, is stored once);
 *  - a snapshot lists its attachments in a separate listing (`tree` blobs, JSON lines after a "CBATT1" head,
 *    at most LISTING_CHUNK records each) referenced from the manifest (`attachments`), next to the resource
 *    trees and not inside them.
 * Record: owner resource, where in it, the URL as written, content type, size, SHA-256 of the content, the
 * chunk blob ids, and whether it was stored (or only recorded: a host not allowed, a failed download). A link
 * to a Binary that the snapshot holds with its inline data names that Binary instead of storing it twice.
 */
import { createHash } from 'node:crypto';
import { EngineError } from '../shared/index.js';
import type { Repository } from './repository.js';

/** Chunk size of attachment content (fixed-size: attachments are replaced, not edited in place). */
export const CHUNK_BYTES = 1024 * 1024;
const LISTING_HEAD = 'CBATT1';
const LISTING_CHUNK = 5000;

export type AttachmentStatus = 'stored' | 'external' | 'failed';

export interface AttachmentRecord {
  /** "Type/id" of the resource that holds the Attachment. */
  readonly owner: string;
  /** Where in the resource, e.g. "content[0].attachment" (for people; restores match by URL). */
  readonly path: string;
  /** The URL exactly as written in the resource (relative, or absolute). */
  readonly url: string;
  readonly contentType: string | null;
  /** Bytes of the content, when stored. */
  readonly size: number | null;
  /** SHA-256 (hex) of the content, when stored. */
  readonly sha256: string | null;
  /** Blob ids (hex) of the content's chunks, in order (empty when not stored, or when `resource` holds it). */
  readonly blobs: readonly string[];
  /**
   * "Binary/<id>" of the snapshot whose inline `data` is this content (the link names a Binary backed up with
   * its data): the content is not stored a second time.
   */
  readonly resource?: string;
  /** stored; external: on a host not allowed in settings, recorded only; failed: the download failed. */
  readonly status: AttachmentStatus;
  /** Why it is not stored (host, HTTP status…). */
  readonly reason?: string;
}

/** What a snapshot manifest says about its attachments. */
export interface AttachmentsRef {
  /** Listing blob ids (tree blobs), in order. */
  readonly listing: readonly string[];
  readonly count: number;
  readonly stored: number;
  /** Bytes of stored content (each record counted, duplicates included). */
  readonly bytes: number;
  readonly external: number;
  readonly failed: number;
}

function isRecord(v: unknown): v is AttachmentRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r['owner'] === 'string' &&
    typeof r['path'] === 'string' &&
    typeof r['url'] === 'string' &&
    (r['status'] === 'stored' || r['status'] === 'external' || r['status'] === 'failed') &&
    Array.isArray(r['blobs']) &&
    (r['blobs'] as unknown[]).every((b) => typeof b === 'string' && /^(?:[0-9a-f]{32}|[0-9a-f]{64})$/.test(b)) &&
    (r['resource'] === undefined || (typeof r['resource'] === 'string' && /^Binary\/[A-Za-z0-9\-.]{1,64}$/.test(r['resource'])))
  );
}

/** Writes the listing of a snapshot's attachments; null when there are none. */
export async function writeAttachmentListing(addTreeBlob: (listing: Buffer) => Promise<string>, records: readonly AttachmentRecord[]): Promise<AttachmentsRef | null> {
  if (records.length === 0) return null;
  const sorted = [...records].sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  const listing: string[] = [];
  for (let i = 0; i < sorted.length; i += LISTING_CHUNK) {
    const lines = sorted.slice(i, i + LISTING_CHUNK).map((r) => JSON.stringify(r));
    listing.push(await addTreeBlob(Buffer.from(`${LISTING_HEAD}\n${lines.join('\n')}`, 'utf8')));
  }
  const stored = sorted.filter((r) => r.status === 'stored');
  return {
    listing,
    count: sorted.length,
    stored: stored.length,
    bytes: stored.reduce((n, r) => n + (r.size ?? 0), 0),
    external: sorted.filter((r) => r.status === 'external').length,
    failed: sorted.filter((r) => r.status === 'failed').length,
  };
}

/** Decodes one listing blob. */
export function decodeAttachmentListing(buf: Buffer): AttachmentRecord[] {
  const lines = buf.toString('utf8').split('\n');
  if (lines[0] !== LISTING_HEAD) throw new EngineError('SNAPSHOT_CORRUPT', { file: 'attachment listing' });
  const out: AttachmentRecord[] = [];
  for (const line of lines.slice(1)) {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new EngineError('SNAPSHOT_CORRUPT', { file: 'attachment listing' });
    }
    if (!isRecord(v)) throw new EngineError('SNAPSHOT_CORRUPT', { file: 'attachment listing' });
    out.push(v);
  }
  return out;
}

/** Every attachment record of a snapshot (none for snapshots made before attachments were kept). */
export async function readAttachments(repo: Repository, ref: AttachmentsRef | null | undefined, signal?: AbortSignal): Promise<AttachmentRecord[]> {
  const out: AttachmentRecord[] = [];
  for (const b of ref?.listing ?? []) out.push(...decodeAttachmentListing(await repo.readBlob(b, signal)));
  return out;
}

/** Reads the inline data of a Binary resource of the snapshot (for records whose content lives there). */
export type BinaryResourceReader = (key: string, signal?: AbortSignal) => Promise<Buffer>;

/**
 * The content of a stored attachment, chunk by chunk (each chunk verified against its keyed id on read), or
 * the data of the Binary resource that holds it. A content that does not match its SHA-256 is an error.
 */
export async function* attachmentContent(repo: Repository, record: AttachmentRecord, signal?: AbortSignal, binary?: BinaryResourceReader): AsyncGenerator<Buffer> {
  if (record.resource !== undefined && record.blobs.length === 0) {
    if (!binary) throw new EngineError('INVALID_ARGUMENT', { field: 'attachment', reason: `${record.resource} holds the content` });
    const data = await binary(record.resource, signal);
    if (record.sha256 !== null && createHash('sha256').update(data).digest('hex') !== record.sha256) throw new EngineError('INTEGRITY_ERROR', { file: record.resource });
    yield data;
    return;
  }
  for (const b of record.blobs) yield await repo.readBlob(b, signal);
}

/** The whole content of a stored attachment in memory. */
export async function readAttachmentContent(repo: Repository, record: AttachmentRecord, signal?: AbortSignal, binary?: BinaryResourceReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of attachmentContent(repo, record, signal, binary)) parts.push(c);
  return Buffer.concat(parts);
}
