import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dumpFileName, firebirdDumpSpec, loadHint, mysqlDumpSpec, mysqlOptionFile, postgresDumpSpec, scrubOutput } from '../../../src/source/db/index.js';
import { isEngineError } from '../../../src/shared/errors.js';

const PW = 'p@ss"w\\ord\nx';

describe('dump presets', () => {
  it('never put the password in argv', () => {
    const specs = [
      postgresDumpSpec({ kind: 'postgres', host: 'h', user: 'u', database: 'd' }, { password: PW }, 'pg_dump'),
      mysqlDumpSpec({ kind: 'mysql', host: 'h', user: 'u', database: 'd' }, { password: PW }, 'mysqldump', '/tmp/x/client.cnf'),
      firebirdDumpSpec({ kind: 'firebird', user: 'SYSDBA', database: '/srv/d.fdb' }, { password: PW }, 'gbak'),
    ];
    for (const s of specs) {
      assert.ok(!s.args.some((a) => a.includes('p@ss')), s.tool);
      assert.deepEqual(s.secrets, [PW]);
    }
    assert.equal(specs[0]!.env?.['PGPASSWORD'], PW);
    assert.equal(specs[2]!.env?.['ISC_PASSWORD'], PW);
    assert.equal(specs[0]!.args.includes('--no-password'), true, 'never waits at a prompt');
    assert.equal(specs[1]!.args[0], '--defaults-extra-file=/tmp/x/client.cnf');
  });

  it('quotes the password in the MySQL option file as MySQL reads it', () => {
    assert.equal(mysqlOptionFile({ password: PW }), '[client]\npassword="p@ss\\"w\\\\ord\\nx"\n');
    assert.equal(mysqlOptionFile({}), '[client]\npassword=""\n');
  });

  it('refuses settings that would be read as options or smuggle a connection string', () => {
    const bad = [
      () => postgresDumpSpec({ kind: 'postgres', host: 'h', user: 'u', database: 'host=x password=y' }, {}, 'pg_dump'),
      () => postgresDumpSpec({ kind: 'postgres', host: 'h', user: 'u', database: 'postgresql://u:p@h/d' }, {}, 'pg_dump'),
      () => postgresDumpSpec({ kind: 'postgres', host: '-oProxyCommand', user: 'u', database: 'd' }, {}, 'pg_dump'),
      () => postgresDumpSpec({ kind: 'postgres', host: 'h', port: 70000, user: 'u', database: 'd' }, {}, 'pg_dump'),
      () => mysqlDumpSpec({ kind: 'mysql', host: 'h', user: 'u', database: '--all-databases' }, {}, 'mysqldump', 'f'),
      () => mysqlDumpSpec({ kind: 'mysql', host: 'h', user: '', database: 'd' }, {}, 'mysqldump', 'f'),
      () => firebirdDumpSpec({ kind: 'firebird', host: 'a b', user: 'SYSDBA', database: 'd' }, {}, 'gbak'),
    ];
    for (const f of bad) assert.throws(f, (e) => isEngineError(e, 'INVALID_ARGUMENT'));
  });

  it('names the dump file after the database with its usual extension', () => {
    assert.equal(dumpFileName('postgres', 'clinica'), 'clinica.pgdump');
    assert.equal(dumpFileName('mysql', 'consultorio'), 'consultorio.sql');
    assert.equal(dumpFileName('firebird', 'C:\\Dados\\CLINICA.FDB'), 'CLINICA.fbk');
    assert.equal(dumpFileName('firebird', '/var/lib/firebird/data/clinica.fdb'), 'clinica.fbk');
    assert.equal(dumpFileName('firebird', 'clinica'), 'clinica.fbk');
  });

  it('tells how to load a restored dump, in both languages', () => {
    assert.match(loadHint('mysql', '/r/clinica.sql'), /mysql .* < "\/r\/clinica\.sql"/);
    assert.match(loadHint('firebird', '/r/c.fbk', 'en'), /gbak -c "\/r\/c\.fbk"/);
    assert.match(loadHint('postgres', '/r/c.pgdump', 'en'), /pg_restore/);
  });
});

describe('scrubbing program output', () => {
  it('removes known secrets, URL credentials and password settings, and keeps the diagnosis', () => {
    const out = scrubOutput('connect to mysql://app:s3cr3t@db failed\nAccess denied; password: s3cr3t\nPASSWORD="a b" token=abc\nfatal: s3cr3t', ['s3cr3t']);
    assert.equal(out, 'connect to mysql://***:***@db failed\nAccess denied; password: ***\nPASSWORD=*** token=***\nfatal: ***');
    assert.equal(scrubOutput('password authentication failed for user "x"', []), 'password authentication failed for user "x"');
  });

  it('drops the start of cut output so no piece of a cut secret survives', () => {
    // The kept tail starts in the middle of a secret ("ret-value" is its end).
    assert.equal(scrubOutput('ret-value\nerror: connection refused', ['secret-value'], true), 'error: connection refused');
    const long = `ret-value${'y'.repeat(3000)}\nthe end`;
    const out = scrubOutput(long, [], true);
    assert.ok(!out.includes('ret-value'));
    assert.ok(out.endsWith('the end'));
    assert.ok(out.length <= 2001);
  });
});
