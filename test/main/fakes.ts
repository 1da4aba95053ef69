/** Fake engine state and Electron surfaces for main/ unit tests (the Electron binary is not needed). */
import type { StatusSummary } from '../../src/shared/contract.js';

export function fakeStatus(over: Partial<StatusSummary> = {}): StatusSummary {
  return {
    repoId: 'r'.repeat(64),
    location: '/media/usb/clinic',
    state: 'ok',
    headline: { level: 'ok', points: [] },
    reasons: [],
    lastBackup: { at: '2026-03-10T13:00:00.000Z', status: 'success', snapshotId: 'a'.repeat(64), errorCode: null, failedSide: null },
    lastSuccessAt: '2026-03-10T13:00:00.000Z',
    nextBackupAt: '2026-03-10T13:15:00.000Z',
    scheduler: { running: true, state: 'running', pid: 4242, since: '2026-03-10T08:00:00.000Z', host: 'recepcao' },
    timeZone: 'America/Sao_Paulo',
    running: null,
    snapshots: 12,
    alerts: [],
    kpis: { backupSuccessRate: 1, compressionRate: 0.6, validationRate: 1, recoveryTestSuccessRate: 1, rpoAchievedMs: 600_000, rpoTargetMs: 86_400_000, mttrMs: 30_000, healthScore: 96 },
    indicators: [],
    recoveryKit: { confirmed: true },
    copies: { copies: 2, media: 2, offsite: 0, immutable: 0, errors: 0, ok: false, text: '2 copies · 2 media · 0 offsite · 0 immutable · 0 errors' },
    destinations: [],
    drill: { lastAt: '2026-03-01T15:00:00.000Z', dueAt: '2026-04-01T15:00:00.000Z', overdue: false },
    history: [],
    ...over,
  };
}
