/**
 * A computer without a keychain (a Linux PC without Secret Service): instead of a system error, the supported
 * alternative in plain words: a passphrase the clinic chooses, kept by the engine in a file only this user can
 * read. Shown at the start of the setup, before any credential has to be kept.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';

const MIN = 12;

/** Children are shown once keys and credentials have a place to be kept (a keychain, or the chosen passphrase). */
export function KeychainGate({ children }: { children: ReactNode }): ReactNode {
  const { t } = useI18n();
  const { api, host, refreshHost } = useApp();
  const [state, setState] = useState<'checking' | 'ok' | 'ask' | 'saved'>(host && !host.useKeychain ? 'ok' : 'checking');
  const [pass, setPass] = useState('');
  const [repeat, setRepeat] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [working, setWorking] = useState(false);

  useEffect(() => {
    if (state !== 'checking') return;
    api.call('keychainStatus').then(
      (r) => setState(r.keychain === 'unavailable' ? 'ask' : 'ok'),
      () => setState('ask'),
    );
  }, [api, state]);

  async function save(): Promise<void> {
    setError(null);
    if ([...pass.trim()].length < MIN) return setProblem(t('setup.nokeychain.short', { min: MIN }));
    if (pass !== repeat) return setProblem(t('setup.nokeychain.mismatch'));
    setProblem(null);
    setWorking(true);
    try {
      await api.call('useClinicPassphrase', { passphrase: pass });
      await refreshHost();
      setPass('');
      setRepeat('');
      setState('saved');
    } catch (err) {
      setError(err);
    } finally {
      setWorking(false);
    }
  }

  if (state === 'checking') return <Spinner label={t('common.loading')} />;
  if (state === 'ok') return children;
  if (state === 'saved')
    return (
      <>
        <Notice kind="ok" testId="passphrase-saved">
          {t('setup.nokeychain.done')}
        </Notice>
        {children}
      </>
    );
  return (
    <section className="card no-keychain" aria-labelledby="no-keychain-title" data-testid="no-keychain">
      <h3 id="no-keychain-title">{t('setup.nokeychain.title')}</h3>
      <p>{t('setup.nokeychain.lead')}</p>
      <Field label={t('setup.nokeychain.passphrase', { min: MIN })} error={problem}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={pass} onChange={(e) => setPass(e.target.value)} data-testid="clinic-passphrase" />}
      </Field>
      <Field label={t('setup.nokeychain.repeat')}>
        {(p) => <input {...p} type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} data-testid="clinic-passphrase-repeat" />}
      </Field>
      <ErrorBox error={error} />
      <button type="button" className="primary" disabled={working} onClick={() => void save()} data-testid="use-passphrase">
        {t('setup.nokeychain.use')}
      </button>
    </section>
  );
}
