/**
 * What a restore into a FHIR server does besides writing records (issue 14): a server that chooses its own ids
 * (the old → new map kept), attachments that go back as Binaries with their links pointed at them, and the
 * server's administration records (projects, logins, applications), left out unless the clinic opts in.
 * Shown in the preview, and again in the outcome with what really happened.
 */
import type { ReactNode } from 'react';
import type { FhirRestoreResult, RestorePlan } from '../../../../src/shared/contract.js';
import { Notice } from '../../components/ui';
import { fhirTypeName, formatBytes, formatNumber, useI18n } from '../../i18n';

/** The preview's notes; `onIncludeAdministration` re-plans with the opt-in changed. */
export function PlanNotes({ plan, busy, onIncludeAdministration }: { plan: RestorePlan; busy: boolean; onIncludeAdministration: (include: boolean) => void }): ReactNode {
  const { t, locale } = useI18n();
  const admin = Object.entries(plan.administration?.counts ?? {});
  const included = plan.administration?.included === true;
  return (
    <>
      {plan.ids?.mode === 'server-assigned' && (
        <Notice kind="info" testId="preview-ids">
          {t('restore.preview.assignedIds')}
        </Notice>
      )}
      {plan.attachments && plan.attachments.count > 0 && (
        <p data-testid="preview-attachments">
          {t('restore.preview.attachments', {
            stored: formatNumber(plan.attachments.stored, locale),
            bytes: formatBytes(plan.attachments.bytes, locale),
            notStored: formatNumber(plan.attachments.notStored, locale),
          })}
        </p>
      )}
      {admin.length > 0 && (
        <Notice kind={included ? 'warning' : 'info'} testId="preview-administration">
          {t(included ? 'restore.preview.administrationIncluded' : 'restore.preview.administration', {
            types: admin.map(([ty, n]) => `${fhirTypeName(ty, locale)} (${formatNumber(n, locale)})`).join(', '),
          })}
          <label className="check">
            <input type="checkbox" checked={included} disabled={busy} onChange={(e) => onIncludeAdministration(e.target.checked)} data-testid="include-admin" />{' '}
            {t('restore.preview.includeAdministration')}
          </label>
        </Notice>
      )}
    </>
  );
}

/** The outcome's notes: new ids and where the map is, attachments written, administration records not restored. */
export function OutcomeNotes({ result }: { result: FhirRestoreResult }): ReactNode {
  const { t, locale } = useI18n();
  const skipped = [
    ...(result.administration?.excluded ?? []).map((e) => `${fhirTypeName(e.type, locale)} (${formatNumber(e.count, locale)})`),
    ...(result.administration?.refused ?? []).map((r) => r.resource),
  ];
  return (
    <>
      {result.ids?.mode === 'server-assigned' && (
        <p data-testid="outcome-ids">
          {t('restore.outcome.ids', { assigned: formatNumber(result.ids.assigned, locale), known: formatNumber(result.ids.known, locale) })} <span data-verbatim>{result.ids.file ?? '—'}</span>
        </p>
      )}
      {result.attachments && result.attachments.binariesCreated + result.attachments.failed > 0 && (
        <p data-testid="outcome-attachments">
          {t('restore.outcome.attachments', {
            created: formatNumber(result.attachments.binariesCreated, locale),
            bytes: formatBytes(result.attachments.bytes, locale),
            failed: formatNumber(result.attachments.failed, locale),
          })}
        </p>
      )}
      {skipped.length > 0 && (
        <Notice kind="info" testId="outcome-administration">
          {t('restore.outcome.administration', { items: skipped.join(', ') })}
        </Notice>
      )}
    </>
  );
}
