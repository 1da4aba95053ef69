import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hkdf, hmacSha256, open, randomKey, scryptKey, seal, SEAL_OVERHEAD } from '../../src/crypto/primitives.js';

test('seal/open round trip; any flipped byte, other key or other AAD fails', () => {
  const key = randomKey();
  const aad = Buffer.from('CBv1 test');
  const msg = Buffer.from('{"resourceType":"Patient","id":"p1"}');
  const sealed = seal(key, msg, aad);
  assert.equal(sealed.length, msg.length + SEAL_OVERHEAD);
  assert.deepEqual(open(key, sealed, aad), msg);
  for (let i = 0; i < sealed.length; i++) {
    const bad = Buffer.from(sealed);
    bad[i] = (bad[i] as number) ^ 0x01;
    assert.equal(open(key, bad, aad), null, `flip at ${i} must fail`);
  }
  assert.equal(open(randomKey(), sealed, aad), null);
  assert.equal(open(key, sealed, Buffer.from('CBv1 other')), null);
  assert.equal(open(key, sealed.subarray(0, 10), aad), null);
});

test('nonces are fresh: sealing twice gives different bytes', () => {
  const key = randomKey();
  assert.notDeepEqual(seal(key, Buffer.from('x'), Buffer.alloc(0)), seal(key, Buffer.from('x'), Buffer.alloc(0)));
});

test('HKDF subkeys differ by purpose and salt; HMAC ids depend on the key', () => {
  const master = randomKey();
  const a = hkdf(master, Buffer.from('salt'), 'one');
  assert.notDeepEqual(a, hkdf(master, Buffer.from('salt'), 'two'));
  assert.notDeepEqual(a, hkdf(master, Buffer.from('salt2'), 'one'));
  assert.deepEqual(a, hkdf(master, Buffer.from('salt'), 'one'));
  const data = Buffer.from('resource');
  assert.notDeepEqual(hmacSha256(randomKey(), data), hmacSha256(randomKey(), data));
});

test('scrypt is deterministic for the same salt and differs by passphrase', async () => {
  const salt = Buffer.from('0123456789abcdef');
  const p = { N: 1024, r: 8, p: 1 };
  assert.deepEqual(await scryptKey('senha', salt, p), await scryptKey('senha', salt, p));
  assert.notDeepEqual(await scryptKey('senha', salt, p), await scryptKey('senhA', salt, p));
});
