/**
 * The clinic program's database: a preset (PostgreSQL, MySQL/MariaDB, Firebird, SQLite) with its fields, and the
 * "Testar a cópia do banco" button. The password typed goes to the engine's secret store (setSecret) and the field
 * is emptied: it never comes back to this page, and the source refers to it by the secret's name only. The engine
 * runs the preset's dump into nothing and answers the size and time, or the cause in plain words. The source is
 * ready only after a test passed with the fields as they are now.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { DatabaseDumpTestResult, DatabaseSourceEntry, DatabaseSourceSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ApiError } from '../../api/client';
import { ErrorBox, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';

type Preset = DatabaseSourceSetting['kind'];
/** Extra attributes of a text field (inputMode, autoComplete). */
type InputExtra = Readonly<Record<string, string>>;
const PRESETS: readonly Preset[] = ['postgres', 'mysql', 'firebird', 'sqlite'];
const DEFAULTS: Record<Exclude<Preset, 'sqlite'>, { host: string; port: string; user: string }> = {
  postgres: { host: '127.0.0.1', port: '5432', user: 'postgres' },
  mysql: { host: '127.0.0.1', port: '3306', user: 'root' },
  firebird: { host: '', port: '3050', user: 'SYSDBA' },
};

/** The secret's name for a source's password: stable per source name, so a second setup replaces it. */
export function databaseSecretName(name: string): string {
  const slug =
    name
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'banco';
  return `database-${slug}`;
}

export function DatabaseSourceForm({ onReady }: { onReady: (source: DatabaseSourceEntry | null) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [name, setName] = useState(() => t('db.name.default'));
  const [preset, setPreset] = useState<Preset>('postgres');
  const [host, setHost] = useState(DEFAULTS.postgres.host);
  const [port, setPort] = useState(DEFAULTS.postgres.port);
  const [user, setUser] = useState(DEFAULTS.postgres.user);
  const [password, setPassword] = useState('');
  // The secret name the typed password was stored under (the name follows the source's name).
  const [storedAs, setStoredAs] = useState<string | null>(null);
  const [database, setDatabase] = useState('');
  const [file, setFile] = useState('');
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<{ tested: DatabaseSourceEntry; answer: DatabaseDumpTestResult } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const secretName = databaseSecretName(name.trim());
  const stored = storedAs === secretName;
  const setting = (): DatabaseSourceSetting | null => {
    if (preset === 'sqlite') return file.trim() ? { kind: 'sqlite', path: file.trim() } : null;
    const portNumber = port.trim() === '' ? undefined : Number(port);
    if (!user.trim() || !database.trim() || (preset !== 'firebird' && !host.trim()) || (portNumber !== undefined && !Number.isInteger(portNumber))) return null;
    const common = { user: user.trim(), database: database.trim(), ...(portNumber !== undefined ? { port: portNumber } : {}), ...(password || stored ? { passwordSecret: secretName } : {}) };
    if (preset === 'firebird') return { kind: 'firebird', ...(host.trim() ? { host: host.trim() } : {}), ...common };
    return { kind: preset, host: host.trim(), ...common };
  };

  // Any change after a test asks for a new test.
  const changed = (): void => {
    setResult(null);
    setError(null);
  };
  useEffect(() => {
    onReady(result?.answer.ok ? result.tested : null);
  }, [result]);

  const choosePreset = (p: Preset): void => {
    setPreset(p);
    if (p !== 'sqlite') {
      setHost(DEFAULTS[p].host);
      setPort(DEFAULTS[p].port);
      setUser(DEFAULTS[p].user);
    }
    changed();
  };

  async function test(): Promise<void> {
    setError(null);
    setResult(null);
    const db = setting();
    if (!db || !name.trim()) {
      setError(new ApiError({ code: 'INVALID_ARGUMENT', message: t('db.needFields') }));
      return;
    }
    setTesting(true);
    try {
      if (password && db.kind !== 'sqlite') {
        await api.call('setSecret', secretName, password);
        // Stored: the page forgets it.
        setPassword('');
        setStoredAs(secretName);
      }
      const answer = await api.call('testDatabaseDump', { database: db });
      setResult({ tested: { kind: 'database', name: name.trim(), database: db }, answer });
    } catch (err) {
      setError(err);
    } finally {
      setTesting(false);
    }
  }

  const text = (label: string, value: string, set: (v: string) => void, testId: string, hint?: string, extra: InputExtra = {}): ReactNode => (
    <Field label={label} {...(hint ? { hint } : {})}>
      {(p) => (
        <input
          {...p}
          {...extra}
          value={value}
          spellCheck={false}
          data-testid={testId}
          onChange={(e) => {
            set(e.target.value);
            changed();
          }}
        />
      )}
    </Field>
  );

  return (
    <form
      className="form database-source"
      noValidate
      data-testid="database-source"
      onSubmit={(e) => {
        e.preventDefault();
        void test();
      }}
    >
      {text(t('db.name'), name, setName, 'db-name')}
      <fieldset className="radios">
        <legend>{t('db.preset')}</legend>
        {PRESETS.map((p) => (
          <label key={p} className="radio">
            <input type="radio" name="db-preset" value={p} checked={preset === p} onChange={() => choosePreset(p)} data-testid={`db-preset-${p}`} /> {t(`db.preset.${p}`)}
          </label>
        ))}
      </fieldset>
      {preset === 'sqlite' ? (
        text(t('db.sqliteFile'), file, setFile, 'db-file')
      ) : (
        <>
          <div className="row">
            {text(preset === 'firebird' ? t('db.host.optional') : t('db.host'), host, setHost, 'db-host', t('db.host.hint'))}
            {text(t('db.port'), port, setPort, 'db-port', undefined, { inputMode: 'numeric' })}
          </div>
          <div className="row">
            {text(t('db.user'), user, setUser, 'db-user', undefined, { autoComplete: 'off' })}
            <Field label={t('db.password')} hint={stored ? t('db.password.stored') : t('db.password.hint')}>
              {(p) => (
                <input
                  {...p}
                  type="password"
                  autoComplete="new-password"
                  value={password}
                  data-testid="db-password"
                  onChange={(e) => {
                    setPassword(e.target.value);
                    changed();
                  }}
                />
              )}
            </Field>
          </div>
          {text(preset === 'firebird' ? t('db.fbFile') : t('db.database'), database, setDatabase, 'db-database')}
        </>
      )}
      <div className="actions">
        <button type="submit" disabled={testing} data-testid="db-test">
          {t('db.test')}
        </button>
        {testing && <Spinner label={t('db.testing')} />}
      </div>
      <ErrorBox error={error} />
      {result?.answer.ok === true && (
        <Notice kind="ok" testId="db-test-ok">
          <strong>{t('db.ok.title')}</strong> {result.answer.text}
        </Notice>
      )}
      {result?.answer.ok === false && (
        <Notice kind="warning" testId="db-test-failed">
          <strong>{t('db.failed.title')}</strong> <span data-cause={result.answer.cause}>{result.answer.text}</span>
          <details>
            <summary>{t('db.failed.details')}</summary>
            <p className="small" data-verbatim data-support-code>
              {result.answer.error.message}
            </p>
          </details>
        </Notice>
      )}
    </form>
  );
}
