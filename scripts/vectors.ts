/**
 * Test vectors of the version 2 format (docs/format.md, Appendix A), from fixed, published inputs.
 * Every structure is built here from the document's rules with Node's crypto (not with the engine's encoders),
 * then decoded with the engine's own readers, so the two cannot drift apart silently.
 *
 *   npm run vectors            prints Appendix A (Markdown)
 *   npm run vectors -- --write replaces Appendix A in docs/format.md
 *
 * test/repository/vectors.test.ts checks that docs/format.md holds exactly what this prints.
 */
import { createCipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compressV2 } from '../src/repository/codec.js';
import { decodePlain, Kind2, openPlain } from '../src/repository/envelope2.js';
import { decodeIndex2, decodePackHeader2 } from '../src/repository/pack2.js';
import { decodeRowSet } from '../src/repository/rowSet.js';
import { gearTable } from '../src/repository/chunker.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const sub = (ikm: Buffer, salt: Buffer, info: string): Buffer => Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(info), 32));

function varint(v: number): Buffer {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}
const str = (s: string): Buffer => Buffer.concat([varint(Buffer.byteLength(s)), Buffer.from(s)]);

/** An envelope with a chosen nonce (writers use random ones; vectors need fixed ones). */
function envelope(key: Buffer, kind: number, plaintext: Buffer, nonce: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.concat([Buffer.from('CBv2'), Buffer.of(kind)]));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([Buffer.from('CB'), Buffer.of(2, kind), nonce, body, c.getAuthTag()]);
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

export function vectors(): string {
  const M = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) M[i] = i;
  const repoId = '00112233445566778899aabbccddeeff';
  const salt = Buffer.from(repoId, 'hex');
  const K = {
    data: sub(M, salt, 'clinic-backup v1 encryption'),
    id: sub(M, salt, 'clinic-backup v1 blob id'),
    audit: sub(M, salt, 'clinic-backup v1 audit'),
    line: sub(M, salt, 'clinic-backup v2 line hash'),
    chunk: sub(M, salt, 'clinic-backup v2 chunker'),
  };
  const blobId = (c: Buffer): Buffer => createHmac('sha256', K.id).update(c).digest().subarray(0, 16);
  const lineHash = (l: Buffer): Buffer => createHash('sha256').update(K.line).update(l).digest().subarray(0, 12);

  const line1 = Buffer.from('{"resourceType":"Patient","id":"p1","name":[{"family":"Silva"}]}');
  const line2 = Buffer.from('{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p1"},"valueQuantity":{"value":98.60,"unit":"F"}}');
  const frame = Buffer.concat([line2, Buffer.from('\n')]);
  const frameId = blobId(frame);
  // Envelope of the frame, codec 0 (no compression): plaintext = 00 ‖ u32 length ‖ content.
  const frameEnv = envelope(K.data, Kind2.blob, Buffer.concat([Buffer.of(0), u32(frame.length), frame]), Buffer.alloc(12, 0x11));
  const opened = decodePlain(openPlain(K.data, Kind2.blob, frameEnv));
  if (!opened.equals(frame)) throw new Error('vector: frame envelope does not open');
  // A dictionary (§9.2: whole lines, then one more LF) and a frame of two lines compressed with it (codec 3, zstd
  // from the zstd library: its output is deterministic for one input, level and library version).
  const dictContent = Buffer.concat([line2, Buffer.from('\n\n')]);
  const dictId = blobId(dictContent);
  const frame2 = Buffer.concat([line2, Buffer.from('\n'), line2.toString().replace('"o1"', '"o2"'), '\n'].map((x) => Buffer.from(x)));
  const z = compressV2(frame2, 3, { id: dictId, content: dictContent });
  if (z.codec !== 3) throw new Error('vector: codec 3 expected');
  const dictFrameEnv = envelope(K.data, Kind2.blob, Buffer.concat([Buffer.of(3), u32(frame2.length), dictId, z.data]), Buffer.alloc(12, 0x33));
  if (!decodePlain(openPlain(K.data, Kind2.blob, dictFrameEnv), { id: dictId, content: dictContent }).equals(frame2)) throw new Error('vector: codec 3 frame');

  // Pack header payload for that one blob.
  const header = Buffer.concat([Buffer.of(2), varint(1), Buffer.of(0), frameId, varint(frameEnv.length), varint(frame.length)]);
  const headerEnv = envelope(K.data, Kind2.packHeader, Buffer.concat([Buffer.of(0), u32(header.length), header]), Buffer.alloc(12, 0x22));
  const pack = Buffer.concat([frameEnv, headerEnv, u32(headerEnv.length), Buffer.from('CBP2')]);
  const packId = createHash('sha256').update(pack).digest('hex');
  if (decodePackHeader2(decodePlain(openPlain(K.data, Kind2.packHeader, headerEnv))).length !== 1) throw new Error('vector: header');

  const index = Buffer.concat([Buffer.of(2), varint(0), varint(1), Buffer.from(packId, 'hex'), varint(pack.length), header.subarray(1)]);
  if (decodeIndex2(index).packs[0]?.id !== packId) throw new Error('vector: index');

  // A checkpoint chunk with the observation's row (patient p1).
  const h2 = lineHash(line2);
  const rowSet = Buffer.concat([
    Buffer.from('CBR2'),
    Buffer.of(0),
    varint(1), // N
    varint(1),
    frameId, // frames
    varint(1),
    str('p1'), // patients
    varint(1),
    str('Observation'), // types
    varint(0), // patient column
    varint(0), // type column
    str('o1'), // id column
    Buffer.of(0), // flags
    varint(0), // frame column
    varint(0), // offset
    varint(line2.length), // length
    h2,
  ]);
  const decoded = decodeRowSet(rowSet);
  if (decoded.id(0) !== 'o1' || !decoded.lineHash(0).equals(h2)) throw new Error('vector: row set');

  const gear = gearTable(K.chunk);
  const lines = [
    '## Appendix A: test vectors',
    '',
    'Generated by `npm run vectors` (scripts/vectors.ts) from the fixed, published inputs below, each structure built',
    "from this document's rules and decoded again with the engine's readers; `test/repository/vectors.test.ts` checks",
    'that this appendix is what the script prints. All values hex unless said otherwise.',
    '',
    '**Inputs**',
    '',
    '| Item | Value |',
    '|---|---|',
    `| master key M | \`${hex(M)}\` (bytes 00…1f) |`,
    `| config.id | \`${repoId}\` |`,
    `| line A | \`${line1.toString()}\` |`,
    `| line B | \`${line2.toString()}\` |`,
    '',
    '**Subkeys (§4.3)**',
    '',
    '| Subkey | Value |',
    '|---|---|',
    `| K_data | \`${hex(K.data)}\` |`,
    `| K_id | \`${hex(K.id)}\` |`,
    `| K_audit | \`${hex(K.audit)}\` |`,
    `| K_line | \`${hex(K.line)}\` |`,
    `| K_chunk | \`${hex(K.chunk)}\` |`,
    `| gear table entries 0, 1, 255 (§15.5) | \`${gear[0]}\`, \`${gear[1]}\`, \`${gear[255]}\` (decimal) |`,
    '',
    '**Hashes (§10.1, §14.3)**',
    '',
    '| Item | Value |',
    '|---|---|',
    `| line hash of line A | \`${hex(lineHash(line1))}\` |`,
    `| line hash of line B | \`${hex(h2)}\` |`,
    `| frame F = line B ‖ LF (${frame.length} bytes): blob id | \`${hex(frameId)}\` |`,
    '',
    '**Varints (§1)**: 0 → `00`, 127 → `7f`, 128 → `8001`, 300 → `ac02`, 16384 → `808001`, 2³² → `8080808010`.',
    '',
    `**Blob envelope (§8)** of frame F, codec 0, nonce \`${'11'.repeat(12)}\` (${frameEnv.length} bytes):`,
    '',
    '```',
    ...(hex(frameEnv).match(/.{1,96}/g) ?? []),
    '```',
    '',
    `**Dictionary and codec 3 (§9.2)**: dictionary content = line B ‖ LF ‖ LF, blob id \`${hex(dictId)}\`. Frame G = line B ‖ LF ‖`,
    `line B with \`"o1"\` replaced by \`"o2"\` ‖ LF (${frame2.length} bytes, blob id \`${hex(blobId(frame2))}\`), sealed with codec 3 and that dictionary,`,
    `nonce \`${'33'.repeat(12)}\` (${dictFrameEnv.length} bytes):`,
    '',
    '```',
    ...(hex(dictFrameEnv).match(/.{1,96}/g) ?? []),
    '```',
    '',
    `**Pack header payload (§11.2)** for that one blob: \`${hex(header)}\`. Sealed with codec 0 and nonce \`${'22'.repeat(12)}\`, the`,
    `pack file (blob envelope ‖ header envelope ‖ u32 H ‖ "CBP2") is ${pack.length} bytes; its name (SHA-256) is`,
    `\`${packId}\`.`,
    '',
    `**Index payload (§12)** listing that pack, no supersedes: \`${hex(index)}\``,
    '',
    `**Row set (§14.5)**: a checkpoint chunk holding line B's row (patient \`p1\`, type Observation, id \`o1\`, flags 0, frame F,`,
    `offset 0, length ${line2.length}):`,
    '',
    '```',
    ...(hex(rowSet).match(/.{1,96}/g) ?? []),
    '```',
    '',
  ];
  return lines.join('\n');
}

const here = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === here) {
  const text = vectors();
  if (process.argv.includes('--write')) {
    const file = path.join(path.dirname(here), '..', 'docs', 'format.md');
    const doc = readFileSync(file, 'utf8');
    const start = doc.indexOf('## Appendix A: test vectors');
    const end = doc.indexOf('## Appendix B: source map');
    writeFileSync(file, doc.slice(0, start) + text + '\n---\n\n' + doc.slice(end));
  } else process.stdout.write(text + '\n');
}
