/** Entry point: picks the transport (Electron IPC or HTTP + SSE), the language, and renders the app. */
import { StrictMode, useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AppProvider } from './app/state';
import { createClient, defaultTransport, type ApiClient, type Locale } from './api/client';
import { I18nProvider, translate, type I18n } from './i18n';
import './styles.css';

const STORAGE_KEY = 'clinic-backup.locale';

function initialLocale(): Locale {
  const saved = window.localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'pt-BR') return saved;
  return navigator.language.toLowerCase().startsWith('en') ? 'en' : 'pt-BR';
}

function Root({ api }: { api: ApiClient }): ReactNode {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  const setLocale = useCallback(
    (l: Locale) => {
      window.localStorage.setItem(STORAGE_KEY, l);
      api.setLocale(l);
      setLocaleState(l);
    },
    [api],
  );
  useEffect(() => {
    api.setLocale(locale);
    // The repository's saved language wins once there is one.
    api.call('getSettings').then(
      (s) => {
        if (s.language !== locale) setLocale(s.language);
      },
      () => undefined,
    );
  }, []);
  const i18n = useMemo<I18n>(() => ({ locale, setLocale, t: (k, p) => translate(locale, k, p) }), [locale, setLocale]);
  return (
    <I18nProvider value={i18n}>
      <AppProvider api={api}>
        <App />
      </AppProvider>
    </I18nProvider>
  );
}

const api = createClient(defaultTransport(), initialLocale());
createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <Root api={api} />
  </StrictMode>,
);
