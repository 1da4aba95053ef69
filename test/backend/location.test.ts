import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEngineError } from '../../src/shared/errors.js';
import { parseLocation } from '../../src/backend/location.js';

test('parseLocation: local paths', () => {
  assert.deepEqual(parseLocation('/mnt/nas/backup'), { type: 'local', path: '/mnt/nas/backup' });
  assert.deepEqual(parseLocation('backup/here'), { type: 'local', path: path.resolve('backup/here') });
  assert.deepEqual(parseLocation('./s3:odd'), { type: 'local', path: path.resolve('s3:odd') });
});

test('parseLocation: S3 forms', () => {
  const cases: [string, unknown][] = [
    ['s3:https://minio.local:9000/clinic/backups/main', { type: 's3', endpoint: 'https://minio.local:9000', bucket: 'clinic', prefix: 'backups/main', useSsl: true }],
    ['s3:http://127.0.0.1:4568/clinic-bk/', { type: 's3', endpoint: 'http://127.0.0.1:4568', bucket: 'clinic-bk', prefix: '', useSsl: false }],
    ['s3:https://s3.wasabisys.com/my.bucket', { type: 's3', endpoint: 'https://s3.wasabisys.com', bucket: 'my.bucket', prefix: '', useSsl: true }],
    ['s3:clinic-backup/repo', { type: 's3', bucket: 'clinic-backup', prefix: 'repo', useSsl: true }],
    ['s3:clinic-backup', { type: 's3', bucket: 'clinic-backup', prefix: '', useSsl: true }],
    ['s3:s3.amazonaws.com/clinic-backup/a/b/', { type: 's3', bucket: 'clinic-backup', prefix: 'a/b', useSsl: true }],
    ['s3:s3.sa-east-1.amazonaws.com/clinic-backup', { type: 's3', bucket: 'clinic-backup', prefix: '', useSsl: true }],
    ['s3:nas.local:9000/bucket1/x', { type: 's3', endpoint: 'https://nas.local:9000', bucket: 'bucket1', prefix: 'x', useSsl: true }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(parseLocation(input), expected, input);
});

test('parseLocation: invalid locations are INVALID_ARGUMENT and never echo credentials', () => {
  const bad = [
    '',
    '   ',
    's3:',
    's3:https://host:9000/',
    's3:https://AKIAEXAMPLE:supersecret@host/bucket',
    's3:AKIAEXAMPLE:supersecret@bucket/x',
    's3:https://host/bucket?x-amz-security-token=abc',
    's3:Bad_Bucket/x',
    's3:ab/x',
    's3:bucket/../x',
    'sftp:user@host:/srv/backup',
    'b2:bucket',
  ];
  for (const input of bad) {
    assert.throws(
      () => parseLocation(input),
      (err: unknown) => {
        assert.ok(isEngineError(err, 'INVALID_ARGUMENT'), input);
        const text = JSON.stringify(err.details);
        assert.ok(!text.includes('supersecret') && !text.includes('security-token=abc'), `details leak: ${text}`);
        return true;
      },
      input,
    );
  }
});
