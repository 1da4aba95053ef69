import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copiesStatus, type CopyDestination, type CopyRule } from '../../src/policy/copies.js';
import { hasMessage, t, messageArguments } from '../../src/i18n/index.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const H = 3_600_000;
const RPO = 24 * H;
const ago = (hours: number): string => new Date(NOW.getTime() - hours * H).toISOString();

const nas = (over: Partial<CopyDestination> = {}): CopyDestination => ({
  id: 'nas',
  kind: 'nas',
  medium: 'nas',
  offsite: false,
  immutable: false,
  lastSuccessAt: ago(1),
  lastCheckErrors: 0,
  ...over,
});
const s3 = (over: Partial<CopyDestination> = {}): CopyDestination => ({
  id: 's3',
  kind: 's3',
  medium: 'cloud',
  offsite: true,
  immutable: true,
  lastSuccessAt: ago(2),
  lastCheckErrors: 0,
  ...over,
});
const usb = (over: Partial<CopyDestination> = {}): CopyDestination => ({
  id: 'usb',
  kind: 'usb',
  medium: 'usb-disk',
  offsite: false,
  immutable: false,
  lastSuccessAt: ago(3),
  lastCheckErrors: 0,
  ...over,
});

interface Case {
  readonly name: string;
  readonly destinations: CopyDestination[];
  readonly primary?: { medium: string } | null;
  readonly expect: { copies: number; media: number; offsite: number; immutable: number; errors: number };
  readonly missing: CopyRule[];
}

const cases: Case[] = [
  { name: 'NAS + immutable bucket: the rule is met', destinations: [nas(), s3()], expect: { copies: 3, media: 3, offsite: 1, immutable: 1, errors: 0 }, missing: [] },
  { name: 'nothing configured', destinations: [], expect: { copies: 1, media: 1, offsite: 0, immutable: 0, errors: 0 }, missing: ['copies', 'media', 'offsite', 'immutable'] },
  { name: 'one NAS only', destinations: [nas()], expect: { copies: 2, media: 2, offsite: 0, immutable: 0, errors: 0 }, missing: ['copies', 'offsite', 'immutable'] },
  {
    name: 'bucket stale beyond the RPO: neither a copy nor offsite nor immutable',
    destinations: [nas(), s3({ lastSuccessAt: ago(30) })],
    expect: { copies: 2, media: 2, offsite: 0, immutable: 0, errors: 0 },
    missing: ['copies', 'offsite', 'immutable'],
  },
  {
    name: 'bucket never written',
    destinations: [nas(), s3({ lastSuccessAt: null })],
    expect: { copies: 2, media: 2, offsite: 0, immutable: 0, errors: 0 },
    missing: ['copies', 'offsite', 'immutable'],
  },
  {
    name: 'errors on any copy break the 0, even a stale one',
    destinations: [nas({ lastCheckErrors: 2 }), s3(), usb({ lastSuccessAt: ago(100), lastCheckErrors: 1 })],
    expect: { copies: 3, media: 3, offsite: 1, immutable: 1, errors: 3 },
    missing: ['errors'],
  },
  {
    name: 'rotated USB drive offline within its weekly RPO: an air-gapped copy, the offsite bucket is not immutable',
    destinations: [nas(), s3({ immutable: false }), usb({ offline: true, offsite: true, lastSuccessAt: ago(100), rpoMs: 7 * 24 * H })],
    expect: { copies: 4, media: 4, offsite: 2, immutable: 1, errors: 0 },
    missing: [],
  },
  {
    name: 'an offline NAS is unreachable, not air-gapped',
    destinations: [nas({ offline: true }), s3()],
    expect: { copies: 2, media: 2, offsite: 1, immutable: 1, errors: 0 },
    missing: ['copies'],
  },
  {
    name: 'two copies on the same medium count as one medium; counting backups only',
    destinations: [nas(), nas({ id: 'nas2' })],
    primary: null,
    expect: { copies: 2, media: 1, offsite: 0, immutable: 0, errors: 0 },
    missing: ['copies', 'media', 'offsite', 'immutable'],
  },
  {
    name: 'medium names are compared without case or spaces around them; the primary on the NAS medium',
    destinations: [nas({ medium: ' NAS ' }), s3()],
    primary: { medium: 'nas' },
    expect: { copies: 3, media: 2, offsite: 1, immutable: 1, errors: 0 },
    missing: [],
  },
  {
    name: 'a success time in the future (clock skew) counts as current; a malformed one as never',
    destinations: [nas({ lastSuccessAt: new Date(NOW.getTime() + H).toISOString() }), s3({ lastSuccessAt: 'yesterday' })],
    expect: { copies: 2, media: 2, offsite: 0, immutable: 0, errors: 0 },
    missing: ['copies', 'offsite', 'immutable'],
  },
  {
    name: 'exactly at the RPO is still current',
    destinations: [nas({ lastSuccessAt: ago(24) }), s3({ lastSuccessAt: ago(24) })],
    expect: { copies: 3, media: 3, offsite: 1, immutable: 1, errors: 0 },
    missing: [],
  },
];

for (const c of cases) {
  test(`copiesStatus: ${c.name}`, () => {
    const s = copiesStatus(c.destinations, NOW, RPO, c.primary === undefined ? {} : { primary: c.primary });
    assert.deepEqual({ copies: s.copies, media: s.media, offsite: s.offsite, immutable: s.immutable, errors: s.errors }, c.expect);
    assert.deepEqual(
      s.missing.map((m) => m.rule),
      c.missing,
    );
    assert.equal(s.ok, c.missing.length === 0);
    assert.equal(s.text.key, 'policy.copies.summary');
    for (const m of [s.text, ...s.missing]) assert.ok(hasMessage(m.key), m.key);
  });
}

test('explanations name the destinations that stopped counting, and the summary reads as the UI shows it', () => {
  const s = copiesStatus([nas(), s3({ lastSuccessAt: ago(48) })], NOW, RPO);
  const offsite = s.missing.find((m) => m.rule === 'offsite');
  assert.equal(offsite?.key, 'policy.copies.missing.offsiteStale');
  assert.deepEqual(offsite?.params['destinations'], ['s3']);
  assert.equal(s.destinations.find((d) => d.id === 's3')?.state, 'stale');
  assert.equal(s.destinations.find((d) => d.id === 's3')?.ageMs, 48 * H);
  const ok = copiesStatus([nas(), s3()], NOW, RPO);
  assert.equal(t(ok.text.key, ok.text.params, 'en'), '3 copies · 3 media · 1 offsite · 1 immutable · 0 errors');
  assert.equal(t(ok.text.key, ok.text.params, 'pt-BR'), '3 cópias · 3 tipos de mídia · 1 fora da clínica · 1 imutável · nenhum erro');
  const missing = copiesStatus([], NOW, RPO).missing.map((m) => t(m.key, m.params, 'en'));
  assert.ok(
    missing.every((m) => !m.includes('{')),
    missing.join('\n'),
  );
});

test('backend and 3-2-1-1-0 messages have both languages with the same placeholders', async () => {
  const { backendMessages } = await import('../../src/i18n/messages/backend.js');
  // Placeholders and plural arguments (not the words inside a plural's branches).
  const placeholders = messageArguments;
  for (const [key, msg] of Object.entries(backendMessages)) {
    assert.ok(key.startsWith('backend.') || key.startsWith('policy.copies.'), key);
    assert.ok(msg['pt-BR'].trim() !== '' && msg.en.trim() !== '', key);
    assert.deepEqual(placeholders(msg['pt-BR']), placeholders(msg.en), key);
  }
});
