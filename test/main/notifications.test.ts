import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotificationService, type Notice } from '../../main/notifications.js';
import { fakeStatus } from './fakes.js';

describe('notifications', () => {
  it('notifies a failed backup with the engine message and opens the dashboard', () => {
    const shown: Notice[] = [];
    const n = new NotificationService((x) => shown.push(x));
    n.onCallResult('backupNow', { ok: false, error: { code: 'SOURCE_UNREACHABLE', message: 'The FHIR server did not answer.' } }, 'en');
    n.onCallResult('backupNow', { ok: true, value: {} }, 'en');
    n.onCallResult('status', { ok: false, error: { code: 'INTERNAL', message: 'x' } }, 'en');
    assert.equal(shown.length, 1);
    assert.equal(shown[0]?.title, 'The backup failed');
    assert.equal(shown[0]?.body, 'The FHIR server did not answer. Click to see how to fix it.');
    assert.equal(shown[0]?.route, 'dashboard');
    n.onCallResult('runDrill', { ok: false, error: { code: 'INTEGRITY_ERROR', message: 'Pack damaged.' } }, 'en');
    assert.deepEqual([shown[1]?.title, shown[1]?.route], ['The restore drill failed', 'drills']);
  });

  it('notifies a stale backup, a due drill and integrity alerts once while they last, and again after they clear', () => {
    const shown: Notice[] = [];
    const n = new NotificationService((x) => shown.push(x));
    const stale = fakeStatus({ state: 'error', reasons: ['The last successful backup was 30 h ago (limit: 24 h).'], kpis: { ...fakeStatus().kpis, rpoAchievedMs: 30 * 3600_000 } });
    n.onStatus(stale, 'en');
    n.onStatus(stale, 'en');
    assert.deepEqual(shown.map((s) => [s.title, s.route]), [['Backup overdue', 'dashboard']]);
    assert.match(shown[0]?.body ?? '', /30 h ago/);
    n.onStatus(fakeStatus(), 'en');
    n.onStatus(stale, 'en');
    assert.equal(shown.length, 2, 'back after it cleared');

    const drill = fakeStatus({ drill: { lastAt: null, dueAt: '2026-03-01T00:00:00Z', overdue: true } });
    n.onStatus(drill, 'pt-BR');
    assert.equal(shown[2]?.title, 'Teste de restauração pendente');
    assert.equal(shown[2]?.route, 'drills');

    const integrity = fakeStatus({ alerts: [{ key: 'integrity', rule: 'integrity', severity: 'critical', message: 'The check found 2 damaged files.', since: '2026-03-10T00:00:00Z' }] });
    const fresh = n.onStatus(integrity, 'en');
    assert.deepEqual(fresh.map((f) => [f.title, f.body, f.route, f.urgency]), [['Backup integrity problem', 'The check found 2 damaged files.', 'dashboard', 'critical']]);
  });
});
