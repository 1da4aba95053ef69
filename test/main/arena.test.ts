import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { relaunchWithArenaLimit, type RelaunchPort } from '../../main/arena.js';

function fakeApp(): RelaunchPort & { calls: string[]; relaunched: { execPath?: string; args?: string[] }[] } {
  const calls: string[] = [];
  const relaunched: { execPath?: string; args?: string[] }[] = [];
  return {
    calls,
    relaunched,
    relaunch: (o) => {
      calls.push('relaunch');
      relaunched.push(o);
    },
    exit: (code) => void calls.push(`exit ${code}`),
  };
}

describe('desktop app: MALLOC_ARENA_MAX on Linux', () => {
  it('on Linux without the variable: sets it in the environment the relauncher passes on, starts again with the same arguments, ends this instance', () => {
    const app = fakeApp();
    const env: NodeJS.ProcessEnv = { HOME: '/home/recepcao' };
    assert.equal(relaunchWithArenaLimit('linux', env, ['/opt/Clinic Backup/clinic-backup', '--hidden'], app), true);
    assert.equal(env['MALLOC_ARENA_MAX'], '2');
    assert.deepEqual(app.calls, ['relaunch', 'exit 0']);
    assert.deepEqual(app.relaunched, [{ args: ['--js-flags=--max-semi-space-size=4', '--hidden'] }], 'with a small young generation for the engine');
  });

  it('an AppImage starts again through its own file, not the executable inside its mount', () => {
    const app = fakeApp();
    const env: NodeJS.ProcessEnv = { APPIMAGE: '/home/recepcao/Clinic-Backup.AppImage' };
    assert.equal(relaunchWithArenaLimit('linux', env, ['/tmp/.mount_ClinicX/clinic-backup', '--hidden'], app), true);
    assert.deepEqual(app.relaunched, [{ execPath: '/home/recepcao/Clinic-Backup.AppImage', args: ['--js-flags=--max-semi-space-size=4', '--hidden'] }]);
  });

  it('V8 options the user gave (--js-flags) are kept as they are', () => {
    const app = fakeApp();
    assert.equal(relaunchWithArenaLimit('linux', {}, ['/opt/Clinic Backup/clinic-backup', '--js-flags=--max-old-space-size=4096'], app), true);
    assert.deepEqual(app.relaunched, [{ args: ['--js-flags=--max-old-space-size=4096'] }]);
  });

  it('goes on when the variable is set (the relaunched instance, or a value the user chose) and on Windows or macOS', () => {
    for (const [platform, env] of [
      ['linux', { MALLOC_ARENA_MAX: '2' }],
      ['linux', { MALLOC_ARENA_MAX: '8' }],
      ['win32', {}],
      ['darwin', {}],
    ] as const) {
      const app = fakeApp();
      const copy: NodeJS.ProcessEnv = { ...env };
      assert.equal(relaunchWithArenaLimit(platform, copy, ['app'], app), false, platform);
      assert.deepEqual(app.calls, []);
      assert.deepEqual(copy, env);
    }
  });
});
