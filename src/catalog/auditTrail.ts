/**
 * Verifies the audit trail kept in the repository (audit/ files, one sealed entry each) against the same
 * hash chain the catalog uses: entries sorted by seq, each hash = SHA-256(prev hash + canonical entry).
 */
import { AUDIT_GENESIS_HASH, auditHash } from './catalog.js';
import type { JsonValue } from './canonicalJson.js';

export interface StoredAuditEntry {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly details: JsonValue;
  readonly prevHash: string;
  readonly hash: string;
}

function isEntry(v: unknown): v is StoredAuditEntry {
  const e = v as Partial<StoredAuditEntry>;
  return (
    typeof v === 'object' &&
    v !== null &&
    Number.isInteger(e.seq) &&
    typeof e.at === 'string' &&
    typeof e.actor === 'string' &&
    typeof e.action === 'string' &&
    typeof e.prevHash === 'string' &&
    typeof e.hash === 'string'
  );
}

/** The first entry (by seq) whose hash or link is wrong, or null when the chain holds. Gaps in seq count as tampering. */
export function verifyStoredAuditChain(values: readonly unknown[]): { ok: true; count: number } | { ok: false; firstBadSeq: number; problem: string } {
  const valid = values.filter(isEntry);
  if (valid.length !== values.length) return { ok: false, firstBadSeq: 0, problem: 'unreadable entry' };
  // The same entry mirrored twice (a crash before the bookkeeping) is one entry; two different entries with one seq are not.
  const bySeq = new Map<number, StoredAuditEntry>();
  for (const e of valid) {
    const seen = bySeq.get(e.seq);
    if (seen && seen.hash !== e.hash) return { ok: false, firstBadSeq: e.seq, problem: 'two different entries with the same number' };
    bySeq.set(e.seq, e);
  }
  const entries = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  let prev = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  for (const e of entries) {
    if (e.seq !== expectedSeq) return { ok: false, firstBadSeq: expectedSeq, problem: 'missing entry' };
    if (e.prevHash !== prev) return { ok: false, firstBadSeq: e.seq, problem: 'broken link' };
    if (auditHash(e.prevHash, { seq: e.seq, at: e.at, actor: e.actor, action: e.action, details: e.details }) !== e.hash) return { ok: false, firstBadSeq: e.seq, problem: 'hash mismatch' };
    prev = e.hash;
    expectedSeq++;
  }
  return { ok: true, count: entries.length };
}
