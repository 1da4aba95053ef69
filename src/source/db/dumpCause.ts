/**
 * Why a database dump failed, in one word the setup's "test the dump" can explain to a receptionist: the program is
 * missing, the server refused the user or password, the database does not exist, nothing answers at the address,
 * or something else (the tool's own message then says it). Read from the error code and the tool's stderr; the
 * patterns are the messages pg_dump, mysqldump/mariadb-dump and gbak print (English, and PostgreSQL's Brazilian Portuguese
 * translation), so an unknown wording falls back to "other" with the message kept.
 */
import type { DatabaseDumpFailureCause as DumpFailureCause, ErrorInfo } from '../../shared/index.js';

const PATTERNS: readonly (readonly [DumpFailureCause, RegExp])[] = [
  // pg_dump: "password authentication failed for user", "no password supplied"; mysqldump: "Access denied for user";
  // gbak: "Your user name and password are not defined".
  [
    'authentication',
    /password authentication failed|no password supplied|authentication failed|access denied for user|user name and password are not defined|login failed|autentica[çc][ãa]o .*falhou|senha n[ãa]o fornecida/i,
  ],
  // pg_dump: 'database "x" does not exist'; mysqldump: "Unknown database"; gbak: "I/O error during "open" … No such file".
  ['database-not-found', /database "[^"]*" does not exist|unknown database|error while trying to open file|no such file or directory|database .* not found|banco de dados "[^"]*" n[ãa]o existe/i],
  // pg_dump: "Connection refused", "could not connect"; mysqldump: "Can't connect to MySQL server"; gbak: "Unable to complete network request".
  [
    'connection-refused',
    /connection refused|could not connect to server|can't connect to (mysql|mariadb|local)|unable to complete network request|could not translate host name|no route to host|timeout expired|timed out|conex[ãa]o recusada/i,
  ],
];

/** The cause of a failed dump (or of a failed "test the dump"). */
export function dumpFailureCause(error: Pick<ErrorInfo, 'code' | 'details'>): DumpFailureCause {
  if (error.code === 'DUMP_TOOL_MISSING') return 'tool-missing';
  if (error.code === 'SECRET_NOT_FOUND') return 'password-missing';
  if (error.code === 'DUMP_EMPTY') return 'empty';
  if (error.code === 'DB_FILE_NOT_FOUND') return 'database-not-found';
  if (error.code !== 'DUMP_FAILED') return 'other';
  const stderr = typeof error.details?.['stderr'] === 'string' ? error.details['stderr'] : '';
  for (const [cause, pattern] of PATTERNS) if (pattern.test(stderr)) return cause;
  return 'other';
}
