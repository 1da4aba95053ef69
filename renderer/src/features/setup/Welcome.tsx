/** First screen when there is no repository yet (or its drive is not connected). */
import type { ReactNode } from 'react';
import { useApp } from '../../app/state';
import { isApiError } from '../../api/client';
import { ErrorBox } from '../../components/ui';
import { useI18n } from '../../i18n';

export function Welcome(): ReactNode {
  const { t } = useI18n();
  const { navigate, statusError, refresh, host } = useApp();
  const maybeUnplugged = isApiError(statusError) && statusError.info.code !== 'REPO_NOT_FOUND';
  return (
    <div className="screen welcome">
      <h1>{t('welcome.title')}</h1>
      <p className="lead">{t('welcome.lead')}</p>
      <ol className="welcome-steps">
        <li>{t('welcome.step1')}</li>
        <li>{t('welcome.step2')}</li>
        <li>{t('welcome.step3')}</li>
        <li>{t('welcome.step4')}</li>
      </ol>
      <p>
        <button type="button" className="primary big" onClick={() => navigate('setup')} data-testid="start-setup">
          {t('welcome.start')}
        </button>
      </p>
      <p>
        {t('welcome.connectText')}{' '}
        <button type="button" onClick={() => navigate('connect')} data-testid="connect-existing-start">
          {t('welcome.connect')}
        </button>
      </p>
      {maybeUnplugged && (
        <details className="welcome-unplugged">
          <summary>{t('welcome.alreadySetUp')}</summary>
          <p>{t('welcome.alreadySetUpText', { location: host?.location ?? '—' })}</p>
          <ErrorBox error={statusError} title={t('welcome.destinationProblem')} />
          <button type="button" onClick={() => void refresh()}>
            {t('common.tryAgain')}
          </button>
        </details>
      )}
    </div>
  );
}
