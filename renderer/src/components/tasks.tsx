/**
 * Running tasks with their progress and a Cancel button, and the notice of a cancelled task saying what it left
 * behind (the engine's words: nothing half-saved, a restore that resumes…).
 */
import type { ReactNode } from 'react';
import type { OperationKind } from '../../../src/shared/events.js';
import { useApp } from '../app/state';
import { useI18n } from '../i18n';
import { Notice, ProgressBar } from './ui';

/**
 * The running tasks of these kinds, each with its progress and a Cancel button. With `fallback`, a progress bar
 * without a task (the call has started, its task not announced yet) is shown while nothing matches.
 */
export function RunningTasks({ kinds, label, fallback = false }: { kinds: readonly OperationKind[]; label?: (kind: OperationKind, title: string) => string; fallback?: boolean }): ReactNode {
  const { t } = useI18n();
  const { tasks, cancelTask } = useApp();
  const mine = tasks.filter((x) => kinds.includes(x.kind));
  if (mine.length === 0) return fallback ? <ProgressBar event={null} label={label ? label(kinds[0] as OperationKind, '') : ''} /> : null;
  return (
    <>
      {mine.map((task) => (
        <div className="task" key={task.id} data-testid="task" data-kind={task.kind}>
          <ProgressBar event={task.progress} label={label ? label(task.kind, task.title) : task.title} />
          <button type="button" className="task-cancel" disabled={task.cancelling} onClick={() => void cancelTask(task.id)} data-testid={`cancel-${task.kind}`}>
            {task.cancelling ? t('task.cancelling') : t('task.cancel')}
          </button>
        </div>
      ))}
    </>
  );
}

/** The last cancelled task of these kinds, in the engine's words. */
export function CancelledNotice({ kinds, testId }: { kinds: readonly OperationKind[]; testId: string }): ReactNode {
  const { t } = useI18n();
  const { cancelled, tasks } = useApp();
  if (!cancelled || !kinds.includes(cancelled.kind as OperationKind) || tasks.some((x) => kinds.includes(x.kind))) return null;
  return (
    <Notice kind="warning" testId={testId}>
      <strong>{t('task.cancelled')}</strong> {cancelled.message}
    </Notice>
  );
}
