/** The database source a command line describes (backup --db …, restore --into-database with the connection). */
import type { DatabaseSourceSetting } from '../shared/index.js';
import { positiveInt, usage } from './context.js';
import type { Values } from './options.js';

const KINDS = ['postgres', 'mysql', 'firebird', 'sqlite'] as const;

export function dbSourceFrom(kind: string, values: Values): DatabaseSourceSetting {
  if (!(KINDS as readonly string[]).includes(kind)) throw usage(`--db ${KINDS.join('|')}`);
  if (kind === 'sqlite') {
    const file = values['db-file'];
    if (!file) throw usage('--db sqlite needs --db-file <database file>');
    return { kind: 'sqlite', path: file };
  }
  const user = values['db-user'];
  const database = values.database;
  if (!user || !database) throw usage(`--db ${kind} needs --db-user and --database`);
  const port = values['db-port'] ? positiveInt(values['db-port'], '--db-port') : undefined;
  const common = {
    user,
    database,
    ...(port !== undefined ? { port } : {}),
    ...(values['db-password-secret'] ? { passwordSecret: values['db-password-secret'] } : {}),
    ...(values['db-tool-dir'] ? { toolDir: values['db-tool-dir'] } : {}),
  };
  if (kind === 'firebird') return { kind: 'firebird', ...common, ...(values['db-host'] ? { host: values['db-host'] } : {}) };
  const host = values['db-host'];
  if (!host) throw usage(`--db ${kind} needs --db-host`);
  return { kind: kind as 'postgres' | 'mysql', host, ...common };
}
