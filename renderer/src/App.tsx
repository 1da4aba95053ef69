/** The application shell: navigation, language, and the screen for the current route. */
import { useEffect, type ReactNode } from 'react';
import { NOT_SET_UP, useApp, type Route } from './app/state';
import { isApiError } from './api/client';
import { ErrorBox, Spinner } from './components/ui';
import { AuditLog } from './features/audit/AuditLog';
import { Dashboard } from './features/dashboard/Dashboard';
import { Destinations } from './features/destinations/Destinations';
import { Drills } from './features/drills/Drills';
import { People } from './features/people/People';
import { RestoreWizard } from './features/restore/RestoreWizard';
import { Settings } from './features/settings/Settings';
import { SetupWizard } from './features/setup/SetupWizard';
import { Welcome } from './features/setup/Welcome';
import { ConnectExisting } from './features/setup/ConnectExisting';
import { useI18n } from './i18n';
import type { MessageKey } from './i18n/messages';

const NAV: readonly { route: Route; label: MessageKey }[] = [
  { route: 'dashboard', label: 'nav.dashboard' },
  { route: 'restore', label: 'nav.restore' },
  { route: 'drills', label: 'nav.drills' },
  { route: 'destinations', label: 'nav.destinations' },
  { route: 'settings', label: 'nav.settings' },
  { route: 'people', label: 'nav.people' },
  { route: 'audit', label: 'nav.audit' },
];

const STATE_LABEL: Readonly<Record<string, MessageKey>> = {
  ok: 'state.ok',
  running: 'state.running',
  warning: 'state.warning',
  error: 'state.error',
};

export function App(): ReactNode {
  const { t, locale } = useI18n();
  const { route, navigate, status, statusError, loading, run } = useApp();
  const notSetUp = !status && isApiError(statusError) && NOT_SET_UP.has(statusError.info.code);

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t('app.title');
  }, [locale, t]);

  useEffect(() => {
    if (!loading && notSetUp && route !== 'setup' && route !== 'welcome' && route !== 'connect') navigate('welcome');
  }, [loading, notSetUp, route, navigate]);

  let screen: ReactNode;
  // Connecting keeps its screen while the repository changes under it (status reloads meanwhile).
  if (route === 'connect') screen = <ConnectExisting onBack={() => navigate('welcome')} />;
  else if (loading) screen = <Spinner label={t('common.loading')} />;
  else if (route === 'setup') screen = <SetupWizard />;
  else if (route === 'welcome' || notSetUp) screen = <Welcome />;
  else if (!status)
    screen = (
      <div className="screen">
        <h1>{t('app.title')}</h1>
        <ErrorBox error={statusError} title={t('dashboard.unreadable')} />
      </div>
    );
  else if (route === 'restore') screen = <RestoreWizard />;
  else if (route === 'drills') screen = <Drills />;
  else if (route === 'destinations') screen = <Destinations />;
  else if (route === 'settings') screen = <Settings />;
  else if (route === 'audit') screen = <AuditLog />;
  else if (route === 'people') screen = <People />;
  else screen = <Dashboard />;

  const showNav = !loading && !notSetUp && route !== 'setup' && route !== 'welcome' && route !== 'connect';
  const state = run ? 'running' : status?.state;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✚
          </span>{' '}
          Clinic Backup
        </span>
        {state && showNav && (
          <span className={`state-pill state-${state}`} data-testid="state-pill">
            {t(STATE_LABEL[state] ?? 'state.ok')}
          </span>
        )}
      </header>
      <div className="body">
        {showNav && (
          <nav className="sidebar" aria-label={t('nav.label')}>
            <ul>
              {NAV.map((n) => (
                <li key={n.route}>
                  <a href={`#/${n.route}`} aria-current={route === n.route ? 'page' : undefined} onClick={() => navigate(n.route)}>
                    {t(n.label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <main id="main" tabIndex={-1}>
          {screen}
        </main>
      </div>
    </div>
  );
}
