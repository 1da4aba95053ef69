// The cause of a failed dump, from the error code and the messages pg_dump, mysqldump/mariadb-dump and gbak print
// (a table of real wordings, PostgreSQL's pt-BR translation included); an unknown wording is "other".
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ErrorInfo } from '../../../src/shared/errors.js';
import { dumpFailureCause } from '../../../src/source/db/index.js';

type Failure = Pick<ErrorInfo, 'code' | 'details'>;

const failed = (stderr: string): Failure => ({ code: 'DUMP_FAILED', details: { tool: 'x', stderr } });

it('names the cause of a failed dump from its code and the tool message', () => {
  const cases: [string, Failure][] = [
    ['tool-missing', { code: 'DUMP_TOOL_MISSING', details: { tool: 'pg_dump' } }],
    ['password-missing', { code: 'SECRET_NOT_FOUND', details: { name: 'database-x' } }],
    ['empty', { code: 'DUMP_EMPTY', details: { tool: 'mysqldump' } }],
    ['database-not-found', { code: 'DB_FILE_NOT_FOUND', details: { path: '/x.db' } }],
    ['authentication', failed('pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  password authentication failed for user "clinic"')],
    ['authentication', failed('pg_dump: erro: conexão com servidor em "127.0.0.1", porta 5432 falhou: FATAL:  autenticação do tipo senha falhou para o usuário "clinic"')],
    ['authentication', failed("mysqldump: Got error: 1045: \"Access denied for user 'root'@'localhost' (using password: YES)\" when trying to connect")],
    ['authentication', failed('gbak: ERROR:Your user name and password are not defined. Ask your database administrator to set up a Firebird login.')],
    ['database-not-found', failed('pg_dump: error: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "nao_existe" does not exist')],
    ['database-not-found', failed('pg_dump: erro: conexão com servidor falhou: FATAL:  banco de dados "nao_existe" não existe')],
    ['database-not-found', failed('mysqldump: Got error: 1049: "Unknown database \'nao_existe\'" when selecting the database')],
    ['database-not-found', failed('gbak: ERROR:I/O error during "open" operation for file "/srv/nao.fdb"\ngbak: ERROR:    Error while trying to open file')],
    ['connection-refused', failed('pg_dump: error: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?')],
    ['connection-refused', failed('pg_dump: erro: conexão com servidor em "127.0.0.1", porta 1 falhou: Conexão recusada')],
    ['connection-refused', failed("mysqldump: Got error: 2003: \"Can't connect to MySQL server on '127.0.0.1:1' (111)\" when trying to connect")],
    ['connection-refused', failed('gbak: ERROR:Unable to complete network request to host "10.0.0.9".')],
    ['other', failed('pg_dump: error: query failed: ERROR:  permission denied for table pacientes')],
    ['other', { code: 'INTERNAL' }],
  ];
  for (const [cause, error] of cases) assert.equal(dumpFailureCause(error), cause, JSON.stringify(error));
});
