/** A snapshot as the front ends list it (contract SnapshotSummary), from its manifest. */
import type { SnapshotSummary } from '../shared/index.js';
import type { SnapshotRecord } from './snapshot.js';

export function summarizeSnapshot(s: SnapshotRecord): SnapshotSummary {
  const m = s.manifest;
  return {
    id: s.id,
    shortId: s.id.slice(0, 8),
    time: m.time,
    hostname: m.hostname,
    source: { kind: m.source.kind, location: m.source.location, strategy: m.source.strategy ?? m.source.kind },
    mode: m.mode,
    parent: m.parent,
    serverTransactionTime: m.serverTransactionTime,
    counts: m.counts,
    resources: m.totals.resources,
    bytes: m.totals.bytes,
    added: m.totals.added,
    changed: m.totals.changed,
    deleted: m.totals.deleted,
    storedBytesAdded: m.totals.storedBytesAdded,
    partial: m.partial,
    problemCount: m.problemCount,
    tags: m.tags,
    ...(m.attachments ? { attachments: { count: m.attachments.count, stored: m.attachments.stored, bytes: m.attachments.bytes, external: m.attachments.external, failed: m.attachments.failed } } : {}),
    ...(m.notCovered && m.notCovered.length > 0 ? { notCovered: m.notCovered.map((n) => n.type) } : {}),
    ...(m.suspicious ? { suspicious: m.suspicious } : {}),
    ...(m.repairedFrom ? { repairedFrom: m.repairedFrom, lostCount: m.lost?.length ?? 0 } : {}),
  };
}
