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

/** Regions offered first: São Paulo keeps the data in Brazil (LGPD). Any other region name can be typed. */
const REGIONS: readonly string[] = ['sa-east-1', 'us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1'];

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
  const [provider, setProvider] = useState<'aws' | 'compatible'>('aws');
  const [endpoint, setEndpoint] = useState('');
  const [bucket, setBucket] = useState('');
  const [prefix, setPrefix] = useState('clinic-backup');
  const [region, setRegion] = useState('sa-east-1');
  const [accessKeyId, setAccessKeyId] = useState('');
  const [secretAccessKey, setSecretAccessKey] = useState('');
  const [immutable, setImmutable] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);

  const outsideBrazil = !region.trim().startsWith('sa-east-') && provider === 'aws';
  const bad = fieldOf(error);
  const invalid = (f: string): string | null => (bad === f ? t('copy.invalidField') : null);

  async function submit(): Promise<void> {
    const added = await add({
      kind: 's3',
      ...(provider === 'compatible' ? { endpoint: endpoint.trim() } : {}),
      bucket: bucket.trim(),
      prefix: prefix.trim(),
      region: region.trim(),
      accessKeyId: accessKeyId.trim(),
      secretAccessKey,
      immutable,
      residencyAcknowledged: acknowledged,
    });
    if (added) setSecretAccessKey('');
  }

  return (
    <CopyFormShell testId="offsite-form" onSubmit={() => void submit()}>
      <fieldset className="radios">
        <legend>{t('copy.s3.provider')}</legend>
        <label className="radio">
          <input type="radio" name="provider" checked={provider === 'aws'} onChange={() => setProvider('aws')} data-testid="provider-aws" /> {t('copy.s3.providerAws')}
        </label>
        <label className="radio">
          <input type="radio" name="provider" checked={provider === 'compatible'} onChange={() => setProvider('compatible')} data-testid="provider-compatible" /> {t('copy.s3.providerCompatible')}
        </label>
      </fieldset>
      {provider === 'compatible' && (
        <Field label={t('copy.s3.endpoint')} hint={t('copy.s3.endpointHint')} error={invalid('endpoint')}>
          {(p) => <input {...p} value={endpoint} spellCheck={false} inputMode="url" placeholder="https://s3.example.com.br" onChange={(e) => setEndpoint(e.target.value)} data-testid="s3-endpoint" />}
        </Field>
      )}
      <div className="row">
        <Field label={t('copy.s3.bucket')} hint={t('copy.s3.bucketHint')} error={invalid('bucket')}>
          {(p) => <input {...p} value={bucket} spellCheck={false} autoCapitalize="off" onChange={(e) => setBucket(e.target.value)} data-testid="s3-bucket" />}
        </Field>
        <Field label={t('copy.s3.prefix')} hint={t('copy.s3.prefixHint')} error={invalid('prefix')}>
          {(p) => <input {...p} value={prefix} spellCheck={false} onChange={(e) => setPrefix(e.target.value)} data-testid="s3-prefix" />}
        </Field>
        <Field label={t('copy.s3.region')} hint={t('copy.s3.regionHint')} error={invalid('region')}>
          {(p) => (
            <>
              <input {...p} value={region} list="s3-regions" spellCheck={false} onChange={(e) => setRegion(e.target.value)} data-testid="s3-region" />
              <datalist id="s3-regions">
                {REGIONS.map((r) => (
                  <option key={r} value={r} />
                ))}
              </datalist>
            </>
          )}
        </Field>
      </div>
      <div className="row">
        <Field label={t('copy.s3.accessKeyId')} error={invalid('accessKeyId')}>
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
          <p>{t('copy.s3.outsideBrazil', { region: region.trim() })}</p>
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
