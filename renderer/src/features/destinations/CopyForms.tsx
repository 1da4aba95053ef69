/**
 * Adding a copy of the backups: an offsite S3 bucket (setup wizard and destinations screen) or a second drive.
 * The engine tests the destination with what was typed before anything is saved; the secret key goes to the
 * engine once and is kept in the secret store, never shown again.
 */
import { useState, type ReactNode } from 'react';
import type { AddCopyRequest, AddCopyResult } from '../../../../src/shared/contract.js';
import { isApiError } from '../../api/client';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Notice, Spinner } from '../../components/ui';
import { useI18n } from '../../i18n';
import { ProviderChoice, type ProviderPick } from './ProviderChoice';

/** Which field an INVALID_ARGUMENT names, so it can be marked on the form. */
function fieldOf(error: unknown): string | null {
  if (!isApiError(error) || error.info.code !== 'INVALID_ARGUMENT') return null;
  const f = error.info.details?.['field'];
  return typeof f === 'string' ? f : null;
}

interface AddCopyState {
  readonly working: boolean;
  readonly error: unknown;
  add(request: AddCopyRequest): Promise<boolean>;
}

/** Sends a copy to the engine to be tested and saved; the form shows `working` and the error with its fix. */
function useAddCopy(onAdded: (r: AddCopyResult) => void): AddCopyState {
  const { api, refresh } = useApp();
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function add(request: AddCopyRequest): Promise<boolean> {
    setWorking(true);
    setError(null);
    try {
      const r = await api.call('addCopy', request);
      await refresh();
      onAdded(r);
      return true;
    } catch (err) {
      setError(err);
      return false;
    } finally {
      setWorking(false);
    }
  }
  return { working, error, add };
}

/** A form that submits without reloading the page (Enter in any field submits). */
function CopyFormShell({ testId, onSubmit, children }: { testId: string; onSubmit: () => void; children: ReactNode }): ReactNode {
  return (
    <form
      className="copy-form"
      data-testid={testId}
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

export function OffsiteForm({ onAdded }: { onAdded: (r: AddCopyResult) => void }): ReactNode {
  const { t } = useI18n();
  const { working, error, add } = useAddCopy(onAdded);
  const [pick, setPick] = useState<ProviderPick>({ provider: 'aws', endpoint: null, region: 'sa-east-1', inBrazil: true });
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('clinic-backup');
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [immutable, setImmutable] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);

  // A named provider's region outside Brazil needs the clinic's authorisation (LGPD); for another service the engine decides.
  const outsideBrazil = pick.inBrazil === false || (isApiError(error) && error.info.code === 'RESIDENCY_NOT_ACKNOWLEDGED');
  const bad = fieldOf(error);
  const invalid = (f: string): string | null => (bad === f ? t('copy.invalidField') : null);

  async function submit(): Promise<void> {
    const added = await add({
      kind: 's3',
      ...(pick.endpoint !== null ? { endpoint: pick.endpoint } : {}),
      bucket: bucket.trim(),
      prefix: prefix.trim(),
      region: pick.region,
      accessKeyId: accessKeyId.trim(),
      secretAccessKey,
      immutable,
      residencyAcknowledged: acknowledged,
    });
    if (added) setSecretAccessKey('');
  }

  return (
    <CopyFormShell testId="offsite-form" onSubmit={() => void submit()}>
      <ProviderChoice onChange={setPick} invalid={invalid} />
      <div className="row">
        <Field label={t('copy.s3.bucket')} hint={t('copy.s3.bucketHint')} error={invalid('bucket')}>
          {(p) => <input {...p} value={bucket} spellCheck={false} autoCapitalize="off" onChange={(e) => setBucket(e.target.value)} data-testid="s3-bucket" />}
        </Field>
        <Field label={t('copy.s3.prefix')} hint={t('copy.s3.prefixHint')} error={invalid('prefix')}>
          {(p) => <input {...p} value={prefix} spellCheck={false} onChange={(e) => setPrefix(e.target.value)} data-testid="s3-prefix" />}
        </Field>
      </div>
      <div className="row">
        <Field label={t('copy.s3.accessKeyId')} hint={t('copy.s3.accessKeyHint')} error={invalid('accessKeyId')}>
          {(p) => <input {...p} value={accessKeyId} spellCheck={false} autoComplete="off" onChange={(e) => setAccessKeyId(e.target.value)} data-testid="s3-access-key" />}
        </Field>
        <Field label={t('copy.s3.secretAccessKey')} hint={t('copy.s3.secretHint')} error={invalid('secretAccessKey')}>
          {(p) => <input {...p} type="password" value={secretAccessKey} autoComplete="new-password" onChange={(e) => setSecretAccessKey(e.target.value)} data-testid="s3-secret-key" />}
        </Field>
      </div>
      <label className="check">
        <input type="checkbox" checked={immutable} onChange={(e) => setImmutable(e.target.checked)} data-testid="s3-immutable" /> {t('copy.s3.immutable')}
      </label>
      {outsideBrazil && (
        <Notice kind="warning" testId="residency-warning">
          <p>{t('copy.s3.outsideBrazil', { region: pick.region })}</p>
          <label className="check">
            <input type="checkbox" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} data-testid="s3-residency-ack" /> {t('copy.s3.acknowledge')}
          </label>
        </Notice>
      )}
      <ErrorBox error={error} testId="offsite-error" fixKeys={{ DEST_OFFLINE: 'fix.S3_OFFLINE' }} />
      <div className="actions">
        <button type="submit" className="primary" disabled={working || !bucket.trim() || !accessKeyId.trim() || !secretAccessKey} data-testid="offsite-test-save">
          {t('copy.s3.testAndSave')}
        </button>
        {working && <Spinner label={t('copy.testing')} />}
      </div>
    </CopyFormShell>
  );
}

/** A second drive or network folder as another copy (rotating USB drives are taken home: offsite too). */
export function DriveCopyForm({ onAdded, initialPath }: { onAdded: (r: AddCopyResult) => void; initialPath?: string }): ReactNode {
  const { t } = useI18n();
  const { working, error, add } = useAddCopy(onAdded);
  const [path, setPath] = useState(initialPath ?? '');
  const [kind, setKind] = useState<'usb' | 'nas'>('usb');

  return (
    <CopyFormShell testId="drive-form" onSubmit={() => void add({ kind, path: path.trim(), ...(kind === 'usb' ? { rotateDays: 7 } : {}) })}>
      <fieldset className="radios">
        <legend>{t('copy.drive.kind')}</legend>
        <label className="radio">
          <input type="radio" name="drive-kind" checked={kind === 'usb'} onChange={() => setKind('usb')} /> {t('copy.drive.usb')}
        </label>
        <label className="radio">
          <input type="radio" name="drive-kind" checked={kind === 'nas'} onChange={() => setKind('nas')} /> {t('copy.drive.nas')}
        </label>
      </fieldset>
      <Field label={t('copy.drive.path')} hint={t('copy.drive.pathHint')}>
        {(p) => <input {...p} value={path} spellCheck={false} onChange={(e) => setPath(e.target.value)} data-testid="drive-path" />}
      </Field>
      <ErrorBox error={error} testId="drive-error" />
      <div className="actions">
        <button type="submit" className="primary" disabled={working || !path.trim()} data-testid="drive-add">
          {t('copy.drive.add')}
        </button>
        {working && <Spinner label={t('copy.testing')} />}
      </div>
    </CopyFormShell>
  );
}
