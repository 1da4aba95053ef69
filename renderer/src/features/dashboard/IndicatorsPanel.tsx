/** Every SOP-019 §7 indicator with its target, as the engine words them (formulas: docs/indicators.md). */
import type { ReactNode } from 'react';
import type { IndicatorView } from '../../../../src/shared/contract.js';
import { Card } from '../../components/ui';
import { useI18n } from '../../i18n';

export function IndicatorsPanel({ indicators }: { indicators: readonly IndicatorView[] }): ReactNode {
  const { t } = useI18n();
  return (
    <Card title={t('indicators.title')}>
      <table className="table indicators" data-testid="indicators">
        <thead>
          <tr>
            <th scope="col">{t('indicators.col.indicator')}</th>
            <th scope="col">{t('indicators.col.value')}</th>
            <th scope="col">{t('indicators.col.target')}</th>
          </tr>
        </thead>
        <tbody>
          {indicators.map((i) => (
            <tr key={`${i.id}:${i.subject ?? ''}`} data-indicator={i.subject ? `${i.id}:${i.subject}` : i.id} data-met={i.met === null ? 'unknown' : String(i.met)}>
              <td>{i.label}</td>
              <td>
                <strong>{i.valueText}</strong>
              </td>
              <td>
                {i.targetText ?? t('indicators.noTarget')}
                {i.met !== null && <span className={i.met ? 'tag' : 'tag warn'}> {t(i.met ? 'indicators.met' : 'indicators.missed')}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">{t('indicators.note')}</p>
    </Card>
  );
}
