/**
 * The offsite provider, chosen by name (Amazon S3, Magalu Cloud, Backblaze B2, Wasabi, or another S3-compatible
 * service), then the region by city and country: the service address comes filled in from the engine's list
 * (src/backend/s3/providers.ts). Only "another service" asks for the address and the region name.
 */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { OffsiteProvider, OffsiteRegion } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { Field } from '../../components/ui';
import { useI18n } from '../../i18n';

export type ProviderId = OffsiteProvider['id'];

/** What the choice gives the form: the address (null for Amazon, whose SDK knows it) and the region name. */
export interface ProviderPick {
  readonly provider: ProviderId;
  readonly endpoint: string | null;
  readonly region: string;
  /** Known to stay in Brazil (a Brazilian region of a named provider); null when the screen cannot know ("other"). */
  readonly inBrazil: boolean | null;
}

/** The offsite providers from the engine, asked once. */
function useProviders(): readonly OffsiteProvider[] {
  const { api } = useApp();
  const [providers, setProviders] = useState<readonly OffsiteProvider[]>([]);
  useEffect(() => {
    let live = true;
    api.call('offsiteProviders').then(
      (p) => live && setProviders(p),
      () => live && setProviders([]),
    );
    return () => {
      live = false;
    };
  }, [api]);
  return providers;
}

function regionLabel(r: OffsiteRegion, countries: Intl.DisplayNames): string {
  return `${r.city} — ${countries.of(r.country) ?? r.country} (${r.region})`;
}

export function ProviderChoice({ onChange, invalid }: { onChange: (pick: ProviderPick) => void; invalid: (field: string) => string | null }): ReactNode {
  const { t, locale } = useI18n();
  const providers = useProviders();
  const [id, setId] = useState<ProviderId>('aws');
  const [regionName, setRegionName] = useState('sa-east-1');
  const [endpoint, setEndpoint] = useState('');
  // Most S3-compatible servers (MinIO among them) answer to us-east-1 unless set otherwise.
  const [typedRegion, setTypedRegion] = useState('us-east-1');
  const countries = useMemo(() => new Intl.DisplayNames([locale], { type: 'region' }), [locale]);
  const provider = providers.find((p) => p.id === id);
  const region = provider?.regions.find((r) => r.region === regionName) ?? provider?.regions[0];

  useEffect(() => {
    if (id === 'other') onChange({ provider: id, endpoint: endpoint.trim(), region: typedRegion.trim(), inBrazil: null });
    else if (region) onChange({ provider: id, endpoint: region.endpoint, region: region.region, inBrazil: region.inBrazil });
    // The form follows every change of the choice.
  }, [id, region, endpoint, typedRegion]);

  const choose = (p: OffsiteProvider): void => {
    setId(p.id);
    setRegionName(p.defaultRegion ?? p.regions[0]?.region ?? '');
  };

  const named = providers.filter((p) => p.id !== 'other');
  return (
    <>
      <fieldset className="radios provider-choice">
        <legend>{t('copy.s3.provider')}</legend>
        {named.map((p) => (
          <label className="radio" key={p.id}>
            <input type="radio" name="provider" checked={id === p.id} onChange={() => choose(p)} data-testid={`provider-${p.id}`} /> <span data-verbatim>{p.name}</span>
            {p.regions.some((r) => r.inBrazil) && <span className="muted"> — {t('copy.s3.hasBrazil')}</span>}
          </label>
        ))}
        <label className="radio">
          <input type="radio" name="provider" checked={id === 'other'} onChange={() => setId('other')} data-testid="provider-other" /> {t('copy.s3.providerOther')}
        </label>
      </fieldset>
      {id === 'other' ? (
        <div className="row">
          <Field label={t('copy.s3.endpoint')} hint={t('copy.s3.endpointHint')} error={invalid('endpoint')}>
            {(p) => (
              <input {...p} value={endpoint} spellCheck={false} inputMode="url" placeholder="https://s3.example.com.br" onChange={(e) => setEndpoint(e.target.value)} data-testid="s3-endpoint" />
            )}
          </Field>
          <Field label={t('copy.s3.region')} hint={t('copy.s3.regionOtherHint')} error={invalid('region')}>
            {(p) => <input {...p} value={typedRegion} spellCheck={false} onChange={(e) => setTypedRegion(e.target.value)} data-testid="s3-region" />}
          </Field>
        </div>
      ) : (
        provider && (
          <div className="row">
            <Field label={t('copy.s3.region')} hint={t('copy.s3.regionHint')} error={invalid('region')}>
              {(p) => (
                <select {...p} value={region?.region ?? ''} onChange={(e) => setRegionName(e.target.value)} data-testid="s3-region">
                  {provider.regions.map((r) => (
                    <option key={r.region} value={r.region}>
                      {regionLabel(r, countries)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <p className="hint provider-endpoint" data-testid="s3-endpoint-preset">
              {region?.endpoint ? t('copy.s3.endpointPreset', { provider: provider.name, endpoint: region.endpoint }) : t('copy.s3.endpointAws')}
            </p>
          </div>
        )
      )}
    </>
  );
}
