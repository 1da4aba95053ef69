/**
 * The headline of the dashboard and its unmet points, each with the one button that fixes it. What is unmet and
 * how bad it is comes from the engine's one rule (status().headline, src/policy/headline.ts): this component only
 * lays it out and maps each action id to a button. The health score's colour follows the same level, so the
 * headline, the score, the tiles and the alerts never disagree.
 */
import type { ReactNode } from 'react';
import type { HeadlineAction, HeadlineLevel, StatusSummary } from '../../../../src/shared/contract.js';
import { useApp, type Route } from '../../app/state';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/messages';

const TITLE: Readonly<Record<HeadlineLevel | 'running', MessageKey>> = {
  ok: 'dashboard.headline.ok',
  attention: 'dashboard.headline.warning',
  problem: 'dashboard.headline.error',
  running: 'dashboard.headline.running',
};

/** The button of each action: its label, and what it does (a task, or the screen where it is done). */
export const ACTION: Readonly<Record<HeadlineAction, { label: MessageKey; run: 'backup' | 'check' | 'alerts' | Route }>> = {
  'backup-now': { label: 'action.backupNow', run: 'backup' },
  'check-now': { label: 'action.checkNow', run: 'check' },
  'run-drill': { label: 'action.runDrill', run: 'drills' },
  'confirm-kit': { label: 'action.confirmKit', run: 'settings' },
  'add-copy': { label: 'action.addCopy', run: 'destinations' },
  'add-offsite': { label: 'action.addOffsite', run: 'destinations' },
  'add-immutable': { label: 'action.addImmutable', run: 'destinations' },
  'rotate-usb': { label: 'action.rotateUsb', run: 'destinations' },
  'see-destinations': { label: 'action.seeDestinations', run: 'destinations' },
  'see-source': { label: 'action.seeSource', run: 'settings' },
  'see-alerts': { label: 'action.seeAlerts', run: 'alerts' },
  'start-scheduler': { label: 'action.startScheduler', run: 'settings' },
};

/** The colour class of the health score: the headline's level, so a red score never sits next to "Tudo certo". */
export function scoreClass(level: HeadlineLevel): 'good' | 'fair' | 'poor' {
  return level === 'ok' ? 'good' : level === 'attention' ? 'fair' : 'poor';
}

/** Runs an action: starts the task it names or opens the screen where it is done. */
export function useHeadlineAction(): (action: HeadlineAction) => void {
  const { navigate, startBackup, api, refresh } = useApp();
  return (action) => {
    const run = ACTION[action].run;
    if (run === 'backup') void startBackup();
    else if (run === 'check') void api.call('check', { readData: true }).finally(() => void refresh());
    else if (run === 'alerts') document.getElementById('alerts')?.scrollIntoView();
    else navigate(run);
  };
}

export function Headline({ status, running, children, actions }: { status: StatusSummary; running: boolean; children?: ReactNode; actions?: ReactNode }): ReactNode {
  const { t } = useI18n();
  const act = useHeadlineAction();
  const { level, points } = status.headline;
  // Running is shown (progress), unless there is a problem to see first: the same choice as the engine's state.
  const shown = running && level !== 'problem' ? 'running' : level;
  const state = shown === 'running' ? 'running' : shown === 'problem' ? 'error' : shown === 'attention' ? 'warning' : 'ok';
  return (
    <section className={`hero hero-${state}`} aria-labelledby="hero-title" data-testid="hero" data-state={state} data-level={level}>
      <div className="hero-main">
        <h2 id="hero-title">{t(TITLE[shown])}</h2>
        {points.length > 0 && (
          <ul className="points" data-testid="headline-points">
            {points.map((p) => (
              <li key={p.id} className={`point point-${p.level}`} data-testid="headline-point" data-point={p.id} data-action={p.action}>
                <span className="point-text">{p.text}</span>
                <button type="button" className="point-action" disabled={running && (p.action === 'backup-now' || p.action === 'check-now')} onClick={() => act(p.action)}>
                  {t(ACTION[p.action].label)}
                </button>
              </li>
            ))}
          </ul>
        )}
        {children}
      </div>
      {actions && <div className="hero-actions">{actions}</div>}
    </section>
  );
}
