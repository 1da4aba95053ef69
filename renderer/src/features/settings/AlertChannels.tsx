/**
 * Settings → alerts: the e-mail (SMTP) and webhook channels, each with save, send a test and remove.
 *
 * Secrets never travel in settings: the SMTP password and the webhook's signing key are stored first with
 * setSecret under fixed names, and the settings refer to them by name. Nothing can read a stored secret back,
 * so the forms only say that one is stored; leaving the field empty keeps it.
 * The checks here mirror what the engine and its channels require (a channel the engine cannot build would
 * stop every alert), so mistakes are shown on the field before anything is stored.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { AppSettings, EmailAlertSetting, WebhookAlertSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { Card, ErrorBox, Field, Notice } from '../../components/ui';
import { formatDateTime, useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';

export const EMAIL_PASSWORD_SECRET = 'alerts:smtp-password';
export const WEBHOOK_SIGNING_SECRET = 'alerts:webhook-signing-key';

type Security = NonNullable<EmailAlertSetting['security']>;
const SECURITIES: readonly Security[] = ['starttls', 'tls', 'none'];
const DEFAULT_PORTS: Readonly<Record<Security, number>> = { starttls: 587, tls: 465, none: 25 };
const ADDRESS = /^[^@\s]+@[^@\s]+$/;

function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function splitAddresses(s: string): string[] {
  return s
    .split(/[,;\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
}

type Outcome = { kind: 'saved' | 'removed' | 'tested'; at?: string } | null;
type Busy = 'save' | 'test' | 'remove';

/** One button's work; its outcome is shown when it succeeds. */
interface Job {
  (): Promise<Outcome>;
}

interface ChannelState {
  readonly busy: Busy | null;
  readonly error: unknown;
  readonly outcome: Outcome;
  /** The last test of the saved channel failed: it is not shown as working until a test passes or it is saved again. */
  readonly testFailed: boolean;
  run(what: Busy, work: Job): Promise<void>;
  setError(e: unknown): void;
  clear(): void;
}

/**
 * The buttons' shared busy state and the outcome line of one channel. `channel` is asked how it last fared (its test
 * or a real alert, kept by the engine): a channel that failed before this screen opened is not shown as working.
 */
function useChannelState(channel: 'email' | 'webhook'): ChannelState {
  const { api } = useApp();
  const [busy, setBusy] = useState<Busy | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [testFailed, setTestFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api.call('alertChannelHealth').then(
      (h) => live && h[channel]?.ok === false && setTestFailed(true),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, channel]);
  async function run(what: Busy, work: Job): Promise<void> {
    setError(null);
    setOutcome(null);
    setBusy(what);
    try {
      setOutcome(await work());
      if (what === 'test' || what === 'save') setTestFailed(false);
    } catch (err) {
      setError(err);
      if (what === 'test') setTestFailed(true);
    } finally {
      setBusy(null);
    }
  }
  return {
    busy,
    error,
    outcome,
    testFailed,
    run,
    setError: (e) => {
      setOutcome(null);
      setError(e);
    },
    clear: () => {
      setOutcome(null);
      setError(null);
    },
  };
}

// ------------------------------------------------------------------ e-mail

interface EmailForm {
  host: string;
  port: string;
  security: Security;
  username: string;
  password: string;
  from: string;
  to: string;
}
type EmailField = keyof EmailForm;

/** A channel's outcome line and buttons (save, send a test once saved, remove), the same for e-mail and webhook. */
function ChannelFooter({
  channel,
  state,
  stored,
  dirty,
  onRemove,
  sentText,
  labels,
}: {
  channel: 'email' | 'webhook';
  state: ChannelState;
  stored: boolean;
  dirty: boolean;
  onRemove: () => void;
  sentText: (at: string) => string;
  labels: { what: MessageKey; save: MessageKey; test: MessageKey; remove: MessageKey };
}): ReactNode {
  const { t, locale } = useI18n();
  const { api } = useApp();
  const id = `alert-${channel}`;
  // A test goes out on the saved channel only: unsaved edits would test something other than what is stored.
  const canTest = stored && !dirty && state.busy === null;
  const test = (): void =>
    void state.run('test', async () => {
      const r = await api.call('sendTestAlert', channel);
      return { kind: 'tested', at: r.sentAt };
    });
  return (
    <>
      {state.outcome && (
        <Notice kind="ok" testId={`${id}-${state.outcome.kind}`}>
          {state.outcome.kind === 'tested'
            ? sentText(formatDateTime(state.outcome.at ?? null, locale))
            : t(state.outcome.kind === 'saved' ? 'settings.saved' : 'settings.alerts.removed', { what: t(labels.what) })}
        </Notice>
      )}
      <div className="actions settings-actions">
        <button type="submit" className="primary" disabled={state.busy !== null} data-testid={`${id}-save`}>
          {state.busy === 'save' ? t('settings.saving') : t(labels.save)}
        </button>
        <button type="button" onClick={test} disabled={!canTest} aria-describedby={stored && dirty ? `${id}-save-first` : undefined} data-testid={`${id}-test`}>
          {state.busy === 'test' ? t('settings.alerts.sending') : t(labels.test)}
        </button>
        {stored && (
          <button type="button" onClick={onRemove} disabled={state.busy !== null} data-testid={`${id}-remove`}>
            {t(labels.remove)}
          </button>
        )}
      </div>
      {stored && dirty && (
        <p className="hint" id={`${id}-save-first`}>
          {t('settings.alerts.saveFirst')}
        </p>
      )}
    </>
  );
}

function emailFormOf(e: EmailAlertSetting | null | undefined): EmailForm {
  return {
    host: e?.host ?? '',
    port: e?.port !== undefined ? String(e.port) : '',
    security: e?.security ?? 'starttls',
    username: e?.username ?? '',
    password: '',
    from: e?.from ?? '',
    to: (e?.to ?? []).join(', '),
  };
}

function EmailChannel({ stored, onSaved }: { stored: EmailAlertSetting | null; onSaved: (s: AppSettings) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [form, setForm] = useState<EmailForm>(() => emailFormOf(stored));
  const [errors, setErrors] = useState<Partial<Record<EmailField, MessageKey>>>({});
  const state = useChannelState('email');
  const hasStoredPassword = Boolean(stored?.passwordSecret);
  const dirty = JSON.stringify(form) !== JSON.stringify(emailFormOf(stored));

  function change<K extends EmailField>(field: K, value: EmailForm[K]): void {
    setForm((f) => ({ ...f, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
    state.clear();
  }

  function check(): { setting: EmailAlertSetting; password: string | null } | null {
    const problems: Partial<Record<EmailField, MessageKey>> = {};
    const host = form.host.trim();
    const portText = form.port.trim();
    const port = portText === '' ? undefined : Number(portText);
    const username = form.username.trim();
    const from = form.from.trim();
    const to = splitAddresses(form.to);
    const password = form.password === '' ? null : form.password;
    // A login needs a user name; an empty password field keeps the stored one (if the user name stays).
    const login = username !== '' && (password !== null || hasStoredPassword);
    if (host === '' || /\s/.test(host)) problems.host = 'settings.alerts.err.host';
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) problems.port = 'settings.alerts.err.port';
    if (password !== null && username === '') problems.username = 'settings.alerts.err.usernameForPassword';
    if (login && form.security === 'none' && !problems.host && !isLoopback(host)) problems.security = 'settings.alerts.err.clearLogin';
    if (!ADDRESS.test(from)) problems.from = 'settings.alerts.err.from';
    if (to.length < 1 || to.length > 20 || !to.every((a) => ADDRESS.test(a))) problems.to = 'settings.alerts.err.to';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return null;
    return {
      setting: {
        host,
        ...(port !== undefined ? { port } : {}),
        security: form.security,
        ...(username ? { username } : {}),
        ...(login ? { passwordSecret: password !== null ? EMAIL_PASSWORD_SECRET : (stored?.passwordSecret as string) } : {}),
        from,
        to,
      },
      password,
    };
  }

  function save(e: FormEvent): void {
    e.preventDefault();
    const checked = check();
    if (!checked) {
      state.setError(new Error(t('settings.checkFields')));
      return;
    }
    void state.run('save', async () => {
      // The password first: if the key store refuses it, the settings stay as they were.
      if (checked.password !== null) await api.call('setSecret', EMAIL_PASSWORD_SECRET, checked.password);
      const s = await api.call('updateSettings', { alerts: { email: checked.setting } });
      setForm(emailFormOf(s.alerts?.email ?? null));
      onSaved(s);
      return { kind: 'saved' };
    });
  }

  function remove(): void {
    void state.run('remove', async () => {
      const s = await api.call('updateSettings', { alerts: { email: null } });
      if (stored?.passwordSecret === EMAIL_PASSWORD_SECRET) await api.call('deleteSecret', EMAIL_PASSWORD_SECRET).catch(() => undefined);
      setForm(emailFormOf(null));
      setErrors({});
      onSaved(s);
      return { kind: 'removed' };
    });
  }

  const err = (f: EmailField): string | null => {
    const key = errors[f];
    return key ? t(key) : null;
  };

  return (
    <section className="settings-channel" aria-labelledby="alert-email-title" data-testid="alert-email">
      <h3 id="alert-email-title">{t('settings.alerts.email')}</h3>
      <p className={state.testFailed ? 'channel-failed' : 'muted'} data-testid="alert-email-state" data-working={stored && !state.testFailed ? 'yes' : 'no'}>
        {stored ? (state.testFailed ? t('settings.alerts.testFailedState') : t('settings.alerts.emailOn', { to: stored.to.join(', ') })) : t('settings.alerts.off')}
      </p>
      <form className="form" noValidate onSubmit={save}>
        <div className="settings-grid settings-grid-server">
          <Field label={t('settings.alerts.host')} hint={t('settings.alerts.hostHint')} error={err('host')}>
            {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={form.host} onChange={(e) => change('host', e.target.value)} data-testid="alert-email-host" />}
          </Field>
          <Field label={t('settings.alerts.security')} error={err('security')}>
            {(p) => (
              <select {...p} value={form.security} onChange={(e) => change('security', e.target.value as Security)} data-testid="alert-email-security">
                {SECURITIES.map((s) => (
                  <option key={s} value={s}>
                    {t(`settings.alerts.security.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('settings.alerts.port')} hint={t('settings.alerts.portHint', { port: DEFAULT_PORTS[form.security] })} error={err('port')}>
            {(p) => <input {...p} type="number" inputMode="numeric" min={1} max={65535} step={1} value={form.port} onChange={(e) => change('port', e.target.value)} data-testid="alert-email-port" />}
          </Field>
        </div>
        <div className="settings-grid settings-grid-2">
          <Field label={t('settings.alerts.username')} error={err('username')}>
            {(p) => <input {...p} type="text" autoComplete="off" spellCheck={false} value={form.username} onChange={(e) => change('username', e.target.value)} data-testid="alert-email-username" />}
          </Field>
          <Field label={t('settings.alerts.password')} hint={hasStoredPassword ? t('settings.alerts.passwordStored') : t('settings.alerts.passwordNew')} error={err('password')}>
            {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={(e) => change('password', e.target.value)} data-testid="alert-email-password" />}
          </Field>
        </div>
        <div className="settings-grid settings-grid-2">
          <Field label={t('settings.alerts.from')} hint={t('settings.alerts.fromHint')} error={err('from')}>
            {(p) => <input {...p} type="email" autoComplete="off" spellCheck={false} value={form.from} onChange={(e) => change('from', e.target.value)} data-testid="alert-email-from" />}
          </Field>
          <Field label={t('settings.alerts.to')} hint={t('settings.alerts.toHint')} error={err('to')}>
            {(p) => <input {...p} type="text" inputMode="email" autoComplete="off" spellCheck={false} value={form.to} onChange={(e) => change('to', e.target.value)} data-testid="alert-email-to" />}
          </Field>
        </div>
        <ErrorBox error={state.error} testId="alert-email-error" />
        <ChannelFooter
          channel="email"
          state={state}
          stored={stored !== null}
          dirty={dirty}
          onRemove={remove}
          sentText={(at) => t('settings.alerts.testSentEmail', { at, to: stored?.to.join(', ') ?? '' })}
          labels={{ what: 'settings.alerts.emailWhat', save: 'settings.alerts.saveEmail', test: 'settings.alerts.testEmail', remove: 'settings.alerts.removeEmail' }}
        />
      </form>
    </section>
  );
}

// ------------------------------------------------------------------ webhook

interface WebhookForm {
  url: string;
  key: string;
}

function webhookFormOf(w: WebhookAlertSetting | null | undefined): WebhookForm {
  return { url: w?.url ?? '', key: '' };
}

function urlProblem(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol !== 'http:' && u.protocol !== 'https:') || Boolean(u.username || u.password);
  } catch {
    return true;
  }
}

function WebhookChannel({ stored, onSaved }: { stored: WebhookAlertSetting | null; onSaved: (s: AppSettings) => void }): ReactNode {
  const { t } = useI18n();
  const { api } = useApp();
  const [form, setForm] = useState<WebhookForm>(() => webhookFormOf(stored));
  const [urlError, setUrlError] = useState<MessageKey | null>(null);
  const state = useChannelState('webhook');
  const storedUrlSecret = stored?.urlSecret && !stored.url ? stored.urlSecret : null;
  const hasStoredKey = Boolean(stored?.signingSecret);
  const dirty = JSON.stringify(form) !== JSON.stringify(webhookFormOf(stored));

  function change(field: keyof WebhookForm, value: string): void {
    setForm((f) => ({ ...f, [field]: value }));
    if (field === 'url') setUrlError(null);
    state.clear();
  }

  function save(e: FormEvent): void {
    e.preventDefault();
    const url = form.url.trim();
    // An address kept in the key store (it carries a token) stays when the field is left empty.
    const problem: MessageKey | null = url === '' ? (storedUrlSecret ? null : 'settings.alerts.err.url') : urlProblem(url) ? 'settings.alerts.err.url' : null;
    setUrlError(problem);
    if (problem) {
      state.setError(new Error(t('settings.checkFields')));
      return;
    }
    const key = form.key === '' ? null : form.key;
    const setting: WebhookAlertSetting = {
      ...(url ? { url } : { urlSecret: storedUrlSecret as string }),
      ...(key !== null ? { signingSecret: WEBHOOK_SIGNING_SECRET } : stored?.signingSecret ? { signingSecret: stored.signingSecret } : {}),
    };
    void state.run('save', async () => {
      if (key !== null) await api.call('setSecret', WEBHOOK_SIGNING_SECRET, key);
      const s = await api.call('updateSettings', { alerts: { webhook: setting } });
      setForm(webhookFormOf(s.alerts?.webhook ?? null));
      onSaved(s);
      return { kind: 'saved' };
    });
  }

  function remove(): void {
    void state.run('remove', async () => {
      const s = await api.call('updateSettings', { alerts: { webhook: null } });
      if (stored?.signingSecret === WEBHOOK_SIGNING_SECRET) await api.call('deleteSecret', WEBHOOK_SIGNING_SECRET).catch(() => undefined);
      setForm(webhookFormOf(null));
      setUrlError(null);
      onSaved(s);
      return { kind: 'removed' };
    });
  }

  return (
    <section className="settings-channel" aria-labelledby="alert-webhook-title" data-testid="alert-webhook">
      <h3 id="alert-webhook-title">{t('settings.alerts.webhook')}</h3>
      <p className={state.testFailed ? 'channel-failed' : 'muted'} data-testid="alert-webhook-state" data-working={stored && !state.testFailed ? 'yes' : 'no'}>
        {stored ? (state.testFailed ? t('settings.alerts.testFailedState') : t('settings.alerts.webhookOn', { url: stored.url ?? t('settings.alerts.webhookUrlHidden') })) : t('settings.alerts.off')}
      </p>
      <form className="form" noValidate onSubmit={save}>
        <div className="settings-grid settings-grid-2">
          <Field label={t('settings.alerts.webhookUrl')} hint={storedUrlSecret ? t('settings.alerts.webhookUrlStored') : t('settings.alerts.webhookUrlHint')} error={urlError ? t(urlError) : null}>
            {(p) => (
              <input
                {...p}
                type="url"
                inputMode="url"
                autoComplete="off"
                spellCheck={false}
                placeholder="https://"
                value={form.url}
                onChange={(e) => change('url', e.target.value)}
                data-testid="alert-webhook-url"
              />
            )}
          </Field>
          <Field label={t('settings.alerts.signingKey')} hint={hasStoredKey ? t('settings.alerts.signingKeyStored') : t('settings.alerts.signingKeyHint')}>
            {(p) => <input {...p} type="password" autoComplete="new-password" value={form.key} onChange={(e) => change('key', e.target.value)} data-testid="alert-webhook-key" />}
          </Field>
        </div>
        <ErrorBox error={state.error} testId="alert-webhook-error" />
        <ChannelFooter
          channel="webhook"
          state={state}
          stored={stored !== null}
          dirty={dirty}
          onRemove={remove}
          sentText={(at) => t('settings.alerts.testSentWebhook', { at })}
          labels={{ what: 'settings.alerts.webhookWhat', save: 'settings.alerts.saveWebhook', test: 'settings.alerts.testWebhook', remove: 'settings.alerts.removeWebhook' }}
        />
      </form>
    </section>
  );
}

export function AlertChannels({ settings, onSaved }: { settings: AppSettings; onSaved: (s: AppSettings) => void }): ReactNode {
  const { t } = useI18n();
  return (
    <Card title={t('settings.alerts')} className="settings-alerts">
      <p>{t('settings.alerts.channelsText')}</p>
      <EmailChannel stored={settings.alerts?.email ?? null} onSaved={onSaved} />
      <WebhookChannel stored={settings.alerts?.webhook ?? null} onSaved={onSaved} />
    </Card>
  );
}
