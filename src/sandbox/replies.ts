/** Answers of the sandbox server (FHIR JSON, OperationOutcome, a resource with its ETag) and request bodies. */
import type http from 'node:http';
import { EngineError } from '../shared/index.js';
import { etag, operationOutcome } from './bundles.js';
import { fhirError, type VersionRecord } from './store.js';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string | Iterable<Buffer>;
}

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';
export const NDJSON = 'application/fhir+ndjson';
export const LOG_LIMIT = 1000;

export function json(status: number, body: string | Buffer, headers: Record<string, string> = {}, contentType = FHIR_JSON): Reply {
  return { status, headers: { 'Content-Type': contentType, ...headers }, body };
}
export function outcome(status: number, issue: string, diagnostics: string, headers: Record<string, string> = {}): Reply {
  return json(status, operationOutcome(issue, diagnostics), headers);
}
export function resourceReply(status: number, r: VersionRecord, base: string, extra: Record<string, string> = {}): Reply {
  return json(status, r.body as Buffer, {
    ETag: etag(r),
    'Last-Modified': new Date(r.ms).toUTCString(),
    ...(status === 201 ? { Location: `${base}/${r.type}/${r.id}/_history/${r.vid}` } : {}),
    ...extra,
  });
}

export async function readBodyBytes(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw fhirError(413, 'too-costly', `the request body is larger than ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks, size);
}

export async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8');
}

/** A write's body; a Binary sent as raw content (non-JSON Content-Type) becomes its JSON form with the bytes as data. */
export async function writeBody(req: http.IncomingMessage, type: string, id: string | undefined, limit: number): Promise<string> {
  const bytes = await readBodyBytes(req, limit);
  const contentType = String(req.headers['content-type'] ?? 'application/fhir+json');
  if (type !== 'Binary' || /json/i.test(contentType)) return bytes.toString('utf8');
  return JSON.stringify({ resourceType: 'Binary', ...(id ? { id } : {}), contentType: contentType.split(';')[0]?.trim() || 'application/octet-stream', data: bytes.toString('base64') });
}

export function checkNumber(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new EngineError('INVALID_ARGUMENT', { name, value: String(v) });
}
