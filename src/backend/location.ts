import path from 'node:path';
import { EngineError } from '../shared/index.js';

export type ParsedLocation =
  | { readonly type: 'local'; readonly path: string }
  | {
      readonly type: 's3';
      /** Endpoint URL (scheme, host, port) of an S3-compatible service; absent for AWS. */
      readonly endpoint?: string;
      readonly bucket: string;
      /** Key prefix without leading or trailing slash; '' for the bucket root. */
      readonly prefix: string;
      readonly useSsl: boolean;
    };

const BUCKET_RE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const AWS_HOST_RE = /^s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/i;
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]+):/;

function invalid(reason: string): EngineError {
  // The location itself is not echoed: it may contain credentials typed by mistake.
  return new EngineError('INVALID_ARGUMENT', { field: 'location', reason });
}

function bucketAndPrefix(segments: readonly string[]): { bucket: string; prefix: string } {
  const parts = segments.filter((s) => s !== '');
  const bucket = parts[0];
  if (bucket === undefined) throw invalid('missing bucket name');
  if (!BUCKET_RE.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw invalid(`invalid bucket name "${bucket}" (3–63 characters: lowercase letters, digits, dots, hyphens)`);
  }
  const prefixParts = parts.slice(1);
  if (prefixParts.some((p) => p === '.' || p === '..')) throw invalid('the prefix must not contain "." or ".." segments');
  return { bucket, prefix: prefixParts.join('/') };
}

/**
 * Parses a destination as restic writes it: a plain path for a local folder,
 * `s3:https://host[:port]/bucket/prefix` for any S3-compatible endpoint, `s3:bucket/prefix` for AWS
 * (`s3:s3.amazonaws.com/bucket/prefix` is accepted too; `s3:host:port/bucket` means https://host:port).
 */
export function parseLocation(location: string): ParsedLocation {
  if (location.trim() === '') throw invalid('empty location');
  if (location.startsWith('s3:')) return parseS3(location.slice(3));
  const scheme = SCHEME_RE.exec(location);
  if (scheme) throw invalid(`unsupported destination type "${scheme[1] ?? ''}:" (use a folder path or s3:)`);
  return { type: 'local', path: path.resolve(location) };
}

function parseS3(rest: string): ParsedLocation {
  if (/^https?:\/\//i.test(rest)) {
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw invalid('malformed endpoint URL');
    }
    if (url.username !== '' || url.password !== '') throw invalid('credentials must not be part of the location; they are kept in the keychain');
    if (url.search !== '' || url.hash !== '') throw invalid('the location must not have a query or fragment');
    let segments: string[];
    try {
      segments = url.pathname.split('/').map((s) => decodeURIComponent(s));
    } catch {
      throw invalid('malformed percent-encoding in the path');
    }
    const { bucket, prefix } = bucketAndPrefix(segments);
    return { type: 's3', endpoint: `${url.protocol}//${url.host}`, bucket, prefix, useSsl: url.protocol === 'https:' };
  }
  if (rest.includes('@')) throw invalid('credentials must not be part of the location; they are kept in the keychain');
  if (rest.includes('?') || rest.includes('#')) throw invalid('the location must not have a query or fragment');
  const segments = rest.split('/');
  const first = segments[0] ?? '';
  if (AWS_HOST_RE.test(first)) return { type: 's3', ...bucketAndPrefix(segments.slice(1)), useSsl: true };
  if (first.includes(':')) {
    let url: URL;
    try {
      url = new URL(`https://${first}`);
    } catch {
      throw invalid('malformed endpoint host');
    }
    return { type: 's3', endpoint: `https://${url.host}`, ...bucketAndPrefix(segments.slice(1)), useSsl: true };
  }
  return { type: 's3', ...bucketAndPrefix(segments), useSsl: true };
}
