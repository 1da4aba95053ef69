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

  it('notifies a stale backup, a due drill and integrity alerts at most once a day: when they appear, and as a daily reminder', () => {
    const shown: Notice[] = [];
    let clock = Date.parse('2026-03-10T12:00:00Z');
    const n = new NotificationService(
      (x) => shown.push(x),
      () => new Date(clock),
    );
    const stale = fakeStatus({ state: 'error', reasons: ['The last successful backup was 30 h ago (limit: 24 h).'], kpis: { ...fakeStatus().kpis, rpoAchievedMs: 30 * 3600_000 } });
    n.onStatus(stale, 'en');
    n.onStatus(stale, 'en');
    assert.deepEqual(
      shown.map((s) => [s.title, s.route]),
      [['Backup overdue', 'dashboard']],
    );
    assert.match(shown[0]?.body ?? '', /30 h ago/);
    clock += 3_600_000;
    n.onStatus(fakeStatus(), 'en');
    n.onStatus(stale, 'en');
    assert.equal(shown.length, 1, 'cleared and back within the day: not repeated');
    clock += 23 * 3_600_000;
    n.onStatus(stale, 'en');
    assert.equal(shown.length, 2, 'a day later, still there: one reminder');
    n.onStatus(stale, 'en');
    assert.equal(shown.length, 2);

    const drill = fakeStatus({ drill: { lastAt: null, dueAt: '2026-03-01T00:00:00Z', overdue: true } });
    n.onStatus(drill, 'pt-BR');
    assert.equal(shown[2]?.title, 'Teste de restauração pendente');
    assert.equal(shown[2]?.route, 'drills');

    const integrity = fakeStatus({ alerts: [{ key: 'integrity', rule: 'integrity', severity: 'critical', message: 'The check found 2 damaged files.', since: '2026-03-10T00:00:00Z' }] });
    const fresh = n.onStatus(integrity, 'en');
    assert.deepEqual(
      fresh.map((f) => [f.title, f.body, f.route, f.urgency]),
      [['Backup integrity problem', 'The check found 2 damaged files.', 'dashboard', 'critical']],
    );
  });

  it('every alert rule opens the screen where it is fixed; a failed drill and a failing copy have their own titles', () => {
    const shown: Notice[] = [];
    const n = new NotificationService(
      (x) => shown.push(x),
      () => new Date('2026-03-10T12:00:00Z'),
    );
    const alert = (rule: string, severity: 'low' | 'medium' | 'high' | 'critical') => ({ key: `${rule}:x`, rule, severity, message: `${rule} message`, since: '2026-03-10T00:00:00Z' });
    const rules = ['stale', 'failed', 'partial', 'shrink', 'integrity', 'disk', 'offsite', 'copy', 'drill', 'drillfail', 'usb', 'kit', 'audit'] as const;
    n.onStatus(fakeStatus({ alerts: rules.map((r) => alert(r, r === 'drillfail' ? 'critical' : 'high')) }), 'en');
    assert.deepEqual(
      Object.fromEntries(shown.map((s) => [s.key, s.route])),
      Object.fromEntries(
        rules.map((r) => [
          `alert:${r}:x`,
          (
            {
              partial: 'dashboard',
              shrink: 'restore',
              disk: 'destinations',
              offsite: 'destinations',
              copy: 'destinations',
              usb: 'destinations',
              drill: 'drills',
              drillfail: 'drills',
              kit: 'settings',
              audit: 'audit',
            } as Record<string, string>
          )[r] ?? 'dashboard',
        ]),
      ),
    );
    assert.equal(shown.find((s) => s.key === 'alert:drillfail:x')?.title, 'The restore drill failed');
    assert.equal(shown.find((s) => s.key === 'alert:copy:x')?.title, 'A backup copy was not updated');
    assert.equal(shown.find((s) => s.key === 'alert:drillfail:x')?.urgency, 'critical');
  });
});
