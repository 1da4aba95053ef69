import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTray, TrayService, type MenuTemplateItem, type TrayPort, type TrayState } from '../../main/tray.js';
import { fakeStatus } from './fakes.js';

const NOW = new Date('2026-03-10T13:10:00.000Z');
const base = (over: Partial<TrayState> = {}): TrayState => ({ status: fakeStatus(), progress: null, pausedUntil: null, now: NOW, timeZone: 'UTC', ...over });
const ids = (state: TrayState): string[] => renderTray(state, 'en').menu.map((m) => m.id);
const label = (state: TrayState, id: string, locale: 'en' | 'pt-BR' = 'en'): string | undefined => renderTray(state, locale).menu.find((m) => m.id === id)?.label;

describe('renderTray(state)', () => {
  it('ok: green icon, all-good tooltip, the full menu with last and next backup', () => {
    const v = renderTray(base(), 'en');
    assert.equal(v.icon, 'ok');
    assert.equal(v.tooltip, 'Clinic Backup — all good');
    assert.deepEqual(ids(base()), ['status', 'separator', 'backup-now', 'open', 'separator', 'last', 'next', 'separator', 'pause', 'quit']);
    assert.equal(label(base(), 'last'), 'Last backup: 13:00');
    assert.equal(label(base(), 'next'), 'Next: 13:15');
    assert.equal(label(base(), 'backup-now'), 'Back up now');
    assert.equal(label(base(), 'pause'), 'Pause for 1 hour');
    assert.equal(label(base(), 'quit'), 'Quit');
    assert.equal(v.menu.find((m) => m.id === 'backup-now')?.enabled, true);
  });

  it('running: blue icon with the percentage in tooltip and menu; "Back up now" disabled', () => {
    const s = base({
      status: fakeStatus({ running: { kind: 'backup', since: NOW.toISOString() } }),
      progress: { type: 'progress', op: 'backup', phase: 'download', done: 42, total: 100, unit: 'resources' },
    });
    const v = renderTray(s, 'en');
    assert.equal(v.icon, 'running');
    assert.equal(v.tooltip, 'Clinic Backup — backup running 42%');
    assert.equal(v.menu[0]?.label, 'Backup running… 42%');
    assert.equal(v.menu.find((m) => m.id === 'backup-now')?.enabled, false);
    // Without a known total there is no percentage, and no dangling space.
    const unknown = renderTray({ ...s, progress: { type: 'progress', op: 'backup', phase: 'export-wait', done: 2, unit: 'steps' } }, 'en');
    assert.equal(unknown.tooltip, 'Clinic Backup — backup running');
  });

  it('warning and error: yellow and red icons with the first reason; an error is not hidden by a running backup', () => {
    const warning = base({ status: fakeStatus({ state: 'warning', reasons: ['The recovery kit has not been confirmed yet.'] }) });
    assert.equal(renderTray(warning, 'en').icon, 'warning');
    assert.equal(renderTray(warning, 'en').tooltip, 'Clinic Backup — attention: The recovery kit has not been confirmed yet.');
    const error = base({ status: fakeStatus({ state: 'error', reasons: ['The last backup failed (SOURCE_AUTH).'], running: { kind: 'backup', since: NOW.toISOString() } }) });
    const v = renderTray(error, 'en');
    assert.equal(v.icon, 'error');
    assert.equal(v.menu[0]?.label, 'Problem: The last backup failed (SOURCE_AUTH).');
  });

  it('every alert level has its icon: critical and high red, medium and low yellow (a running backup hides only yellow)', () => {
    const withAlert = (severity: 'low' | 'medium' | 'high' | 'critical', running = false): TrayState =>
      base({
        status: fakeStatus({
          alerts: [{ key: 'copy:/media/usb', rule: 'copy', severity, message: 'The USB drive is full: the copy was not written.', since: NOW.toISOString() }],
          ...(running ? { running: { kind: 'backup', since: NOW.toISOString() } } : {}),
        }),
      });
    assert.deepEqual(
      (['low', 'medium', 'high', 'critical'] as const).map((sev) => renderTray(withAlert(sev), 'en').icon),
      ['warning', 'warning', 'error', 'error'],
    );
    assert.equal(renderTray(withAlert('high'), 'en').tooltip, 'Clinic Backup — problem: The USB drive is full: the copy was not written.');
    assert.equal(renderTray(withAlert('medium', true), 'en').icon, 'running');
    assert.equal(renderTray(withAlert('critical', true), 'en').icon, 'error');
  });

  it('paused: the tooltip says until when and the menu offers to resume', () => {
    const s = base({ pausedUntil: new Date('2026-03-10T14:10:00.000Z') });
    assert.equal(renderTray(s, 'en').tooltip, 'Clinic Backup — all good (paused until 14:10)');
    assert.ok(ids(s).includes('resume'));
    assert.ok(!ids(s).includes('pause'));
    assert.equal(label(s, 'resume'), 'Resume (paused until 14:10)');
    // A pause in the past is over.
    assert.ok(ids(base({ pausedUntil: new Date('2026-03-10T12:00:00.000Z') })).includes('pause'));
  });

  it('a due drill adds its item; no repository yet offers the setup', () => {
    assert.ok(ids(base({ status: fakeStatus({ drill: { lastAt: null, dueAt: NOW.toISOString(), overdue: true } }) })).includes('open-drills'));
    const none = renderTray(base({ status: null }), 'en');
    assert.equal(none.icon, 'warning');
    assert.deepEqual(
      none.menu.map((m) => m.id),
      ['open-setup', 'open', 'separator', 'quit'],
    );
  });

  it('speaks Brazilian Portuguese with dates in its format', () => {
    const yesterday = base({ status: fakeStatus({ lastSuccessAt: '2026-03-09T20:00:00.000Z' }) });
    assert.equal(label(yesterday, 'last', 'pt-BR'), 'Último backup: 09/03/2026 20:00');
    assert.equal(label(yesterday, 'backup-now', 'pt-BR'), 'Fazer backup agora');
    assert.equal(label(yesterday, 'pause', 'pt-BR'), 'Pausar por 1 hora');
    assert.equal(label(base({ status: fakeStatus({ lastSuccessAt: null }) }), 'last', 'pt-BR'), 'Último backup: nunca');
    assert.equal(renderTray(base(), 'pt-BR').tooltip, 'Clinic Backup — tudo certo');
  });

  it('is pure: the same state gives the same view', () => {
    assert.deepEqual(renderTray(base(), 'en'), renderTray(base(), 'en'));
  });
});

describe('TrayService with fake Electron factories', () => {
  function fakes(): { factories: ConstructorParameters<typeof TrayService>[0]; calls: string[]; menus: MenuTemplateItem[][]; trayClick: () => void } {
    const calls: string[] = [];
    const menus: MenuTemplateItem[][] = [];
    let click: () => void = () => undefined;
    const tray: TrayPort = {
      setImage: (p) => calls.push(`image ${p}`),
      setToolTip: (t) => calls.push(`tooltip ${t}`),
      setContextMenu: () => calls.push('menu'),
      on: (_e, l) => (click = l),
      destroy: () => calls.push('destroy'),
    };
    return {
      calls,
      menus,
      trayClick: () => click(),
      factories: {
        createTray: (p) => (calls.push(`create ${p}`), tray),
        buildMenu: (template) => (menus.push(template), template),
        iconPath: (icon) => `/icons/${icon}.png`,
      },
    };
  }

  it('creates the tray once, re-renders only on change, and wires menu items to actions', () => {
    const f = fakes();
    const done: string[] = [];
    const act = (name: string) => () => void done.push(name);
    const service = new TrayService(f.factories, {
      'backup-now': act('backup'),
      open: act('open'),
      'open-drills': act('drills'),
      'open-setup': act('setup'),
      pause: act('pause'),
      resume: act('resume'),
      quit: act('quit'),
    });
    service.update(base(), 'en');
    service.update(base(), 'en');
    assert.deepEqual(f.calls, ['create /icons/ok.png', 'tooltip Clinic Backup — all good', 'menu']);
    service.update(base({ status: fakeStatus({ state: 'error', reasons: ['x'] }) }), 'en');
    assert.deepEqual(f.calls.slice(3), ['image /icons/error.png', 'tooltip Clinic Backup — problem: x', 'menu']);
    const menu = f.menus[0] as MenuTemplateItem[];
    menu.find((m) => m.label === 'Back up now')?.click?.();
    menu.find((m) => m.label === 'Pause for 1 hour')?.click?.();
    menu.find((m) => m.label === 'Quit')?.click?.();
    assert.equal(menu.filter((m) => m.type === 'separator').length, 3);
    assert.equal(menu.find((m) => m.label?.startsWith('Last backup'))?.click, undefined, 'information lines do nothing');
    f.trayClick();
    assert.deepEqual(done, ['backup', 'pause', 'quit', 'open']);
  });
});
