/**
 * The FHIR server address and credentials, with a connection test. A password or token is handed to the
 * engine's secret store under a temporary name for the test and removed again when the test fails, so a
 * wrong entry leaves nothing behind; after a good test it is stored under its final name. Settings are not
 * touched here: the caller saves the source (by secret name, never the value) once it passed.
 */
import { useState, type ReactNode } from 'react';
import type { SourceAuthSetting, SourceProbe } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ApiError } from '../../api/client';
import { ErrorBox, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';

export interface TestedSource {
  readonly url: string;
  readonly auth: SourceAuthSetting;
  readonly probe: SourceProbe;
}

type AuthKind = 'none' | 'basic' | 'bearer';

const SECRET_NAMES = { basic: 'source-password', bearer: 'source-token' } as const;
const CANDIDATE_NAMES = { basic: 'source-candidate-password', bearer: 'source-candidate-token' } as const;

/** The URL problem in words, or null when it is an http(s) address without credentials. */
export function urlProblem(url: string): 'empty' | 'invalid' | 'credentials' | null {
  if (!url.trim()) return 'empty';
  try {
    const u = new URL(url.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'invalid';
    if (u.username || u.password) return 'credentials';
    return null;
  } catch {
    return 'invalid';
  }
}

export function SourceForm({ initial, onTested, onChanged }: { initial?: { url: string; auth: SourceAuthSetting } | null; onTested: (s: TestedSource) => void; onChanged?: () => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const initialAuth = initial?.auth;
  const [url, setUrl] = useState(initial?.url ?? '');
  const [kind, setKind] = useState<AuthKind>(initialAuth?.kind === 'basic' || initialAuth?.kind === 'bearer' ? initialAuth.kind : 'none');
  const [username, setUsername] = useState(initialAuth?.kind === 'basic' ? initialAuth.username : '');
  const [secret, setSecret] = useState('');
  const [testing, setTesting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [urlError, setUrlError] = useState<string | null>(null);
  const [probe, setProbe] = useState<SourceProbe | null>(null);
  // A saved source keeps its stored secret unless a new one is typed.
  const keepsStoredSecret = initialAuth !== undefined && initialAuth.kind === kind && kind !== 'none' && secret === '';

  const changed = (): void => {
    setProbe(null);
    setError(null);
    onChanged?.();
  };

  /** The password or token field: never shows a stored value; empty keeps the stored one when editing. */
  const secretField = (label: string, hint: string | undefined, autoComplete: string, testId: string): ReactNode => (
    <Field label={label} hint={keepsStoredSecret ? t('setup.source.keepSecret') : hint}>
      {(p) => (
        <input
          {...p}
          type="password"
          autoComplete={autoComplete}
          value={secret}
          data-testid={testId}
          onChange={(e) => {
            setSecret(e.target.value);
            changed();
          }}
        />
      )}
    </Field>
  );

  async function test(): Promise<void> {
    setError(null);
    setProbe(null);
    const problem = urlProblem(url);
    if (problem) {
      setUrlError(t(`setup.source.url.${problem}`));
      setError(new ApiError({ code: 'INVALID_ARGUMENT', message: t(`setup.source.url.${problem}`) }));
      return;
    }
    setUrlError(null);
    if (kind === 'basic' && !username.trim()) {
      setError(new ApiError({ code: 'INVALID_ARGUMENT', message: t('setup.source.needUsername') }));
      return;
    }
    if (kind !== 'none' && !secret && !keepsStoredSecret) {
      setError(new ApiError({ code: 'INVALID_ARGUMENT', message: t(kind === 'basic' ? 'setup.source.needPassword' : 'setup.source.needToken') }));
      return;
    }
    setTesting(true);
    const source = url.trim();
    const candidate = kind === 'none' || keepsStoredSecret ? null : CANDIDATE_NAMES[kind];
    const secretName = kind === 'none' ? null : keepsStoredSecret ? SECRET_NAMES[kind] : (candidate as string);
    const authWith = (name: string | null): SourceAuthSetting =>
      kind === 'basic' ? { kind, username: username.trim(), passwordSecret: name as string } : kind === 'bearer' ? { kind, tokenSecret: name as string } : { kind: 'none' };
    try {
      if (candidate) await api.call('setSecret', candidate, secret);
      const result = await api.call('probeSource', { source, auth: authWith(secretName) });
      let auth = authWith(secretName);
      if (candidate && kind !== 'none') {
        await api.call('setSecret', SECRET_NAMES[kind], secret);
        auth = authWith(SECRET_NAMES[kind]);
      }
      setProbe(result);
      onTested({ url: source, auth, probe: result });
    } catch (err) {
      setError(err);
    } finally {
      if (candidate) await api.call('deleteSecret', candidate).catch(() => undefined);
      setTesting(false);
    }
  }

  return (
    <form
      className="form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void test();
      }}
    >
      <Field label={t('setup.source.url')} hint={t('setup.source.urlHint')} error={urlError}>
        {(p) => (
          <input
            {...p}
            type="url"
            inputMode="url"
            autoComplete="url"
            spellCheck={false}
            placeholder="https://fhir.minhaclinica.com.br/r4"
            value={url}
            data-testid="source-url"
            onChange={(e) => {
              setUrl(e.target.value);
              setUrlError(null);
              changed();
            }}
          />
        )}
      </Field>
      {/^http:\/\//i.test(url.trim()) && (
        <Notice kind="warning" testId="source-http-warning">
          {t('setup.source.httpWarning')}
        </Notice>
      )}
      <fieldset className="radios">
        <legend>{t('setup.source.auth')}</legend>
        {(['none', 'basic', 'bearer'] as const).map((k) => (
          <label key={k} className="radio">
            <input
              type="radio"
              name="auth-kind"
              value={k}
              checked={kind === k}
              data-testid={`auth-${k}`}
              onChange={() => {
                setKind(k);
                changed();
              }}
            />{' '}
            {t(`setup.source.auth.${k}`)}
          </label>
        ))}
      </fieldset>
      {kind === 'basic' && (
        <div className="row">
          <Field label={t('setup.source.username')}>
            {(p) => (
              <input
                {...p}
                autoComplete="username"
                value={username}
                data-testid="source-username"
                onChange={(e) => {
                  setUsername(e.target.value);
                  changed();
                }}
              />
            )}
          </Field>
          {secretField(t('setup.source.password'), undefined, 'current-password', 'source-password')}
        </div>
      )}
      {kind === 'bearer' && secretField(t('setup.source.token'), t('setup.source.tokenHint'), 'off', 'source-token')}
      <div className="actions">
        <button type="submit" disabled={testing} data-testid="test-source">
          {t('setup.source.test')}
        </button>
        {testing && <Spinner label={t('setup.source.testing')} />}
      </div>
      <ErrorBox error={error} title={t('setup.source.failed')} testId="source-error" />
      {probe && (
        <Notice kind="ok" testId="source-ok">
          <strong>{t('setup.source.ok')}</strong> {probe.software && <span data-verbatim>{probe.software}: </span>}
          {t('setup.source.okDetails', { version: probe.fhirVersion, types: probe.types })}{' '}
          {probe.systemExport ? t('setup.source.bulk') : probe.systemHistory ? t('setup.source.history') : t('setup.source.search')}
        </Notice>
      )}
    </form>
  );
}
