/**
 * "Conectar a uma cópia existente": on a new computer, the receptionist picks the folder that holds the backups (the
 * drive or network folder named on the printed kit) and types the 32 words of the kit. The engine checks each line
 * and keeps a key for this computer; the dashboard follows. The words go to the engine once and are never shown back.
 */
import { useState, type ReactNode } from 'react';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { FolderPicker } from './FolderPicker';

export function ConnectExisting({ onBack }: { onBack: () => void }): ReactNode {
  const { t } = useI18n();
  const { api, refresh, refreshHost, navigate } = useApp();
  const [folder, setFolder] = useState<string | null>(null);
  const [notRepository, setNotRepository] = useState(false);
  const [words, setWords] = useState('');
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const choose = (target: string, existing: boolean): void => {
    setNotRepository(!existing);
    if (!existing) return;
    setWorking(true);
    setError(null);
    api
      .call('openRepository', { path: target })
      .then(
        () => setFolder(target),
        (err: unknown) => setError(err),
      )
      .finally(() => setWorking(false));
  };

  async function connect(): Promise<void> {
    setWorking(true);
    setError(null);
    try {
      await api.call('connectWithKit', { recoveryKey: words });
      setWords('');
      await refreshHost();
      await refresh();
      navigate('dashboard');
    } catch (err) {
      setError(err);
    } finally {
      setWorking(false);
    }
  }

  return (
    <div className="screen welcome connect-existing" data-testid="connect-existing">
      <h1>{t('connect.title')}</h1>
      <p className="lead">{t('connect.lead')}</p>
      {folder === null ? (
        <>
          <p>{t('connect.chooseFolder')}</p>
          <FolderPicker onChoose={choose} />
          {notRepository && (
            <Notice kind="warning" testId="connect-not-repository">
              {t('connect.notRepository')}
            </Notice>
          )}
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void connect();
          }}
        >
          <p data-testid="connect-folder">
            {t('connect.folder')} <strong data-verbatim>{folder}</strong>
          </p>
          <Field label={t('connect.words')} hint={t('connect.wordsHint')}>
            {(p) => (
              <textarea {...p} rows={8} cols={60} value={words} spellCheck={false} autoComplete="off" autoCapitalize="off" onChange={(e) => setWords(e.target.value)} data-testid="connect-words" />
            )}
          </Field>
          <div className="actions">
            <button type="submit" className="primary" disabled={working || words.trim() === ''} data-testid="connect-submit">
              {t('connect.submit')}
            </button>
          </div>
        </form>
      )}
      {working && <Spinner label={t('connect.working')} />}
      <ErrorBox error={error} testId="connect-error" />
      <p>
        <button type="button" onClick={onBack} data-testid="connect-back">
          {t('common.back')}
        </button>
      </p>
    </div>
  );
}
