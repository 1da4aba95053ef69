/**
 * Safe eject of a USB drive after a run, where the OS allows it: the clinic can unplug the drive and take it
 * offsite without corrupting it. Best effort: a failure is reported, never fatal to the run.
 */
import { execFile } from 'node:child_process';

export interface EjectResult {
  readonly ejected: boolean;
  readonly method: string | null;
  readonly reason?: string;
}

function run(cmd: string, args: readonly string[]): Promise<{ ok: boolean; reason?: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve({ ok: true });
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ ok: false, reason: code === 'ENOENT' ? `${cmd} not available` : (stderr || err.message).trim().slice(0, 200) });
    });
  });
}

/** Unmounts (and where possible powers off) the volume mounted at `mountPoint`. */
export async function ejectDrive(mountPoint: string, platform: NodeJS.Platform = process.platform): Promise<EjectResult> {
  if (platform === 'darwin') {
    const r = await run('diskutil', ['eject', mountPoint]);
    return { ejected: r.ok, method: 'diskutil', ...(r.reason ? { reason: r.reason } : {}) };
  }
  if (platform === 'win32') {
    const drive = mountPoint.slice(0, 2);
    const r = await run('powershell.exe', ['-NoProfile', '-Command', `(New-Object -ComObject Shell.Application).Namespace(17).ParseName('${drive}').InvokeVerb('Eject')`]);
    return { ejected: r.ok, method: 'shell', ...(r.reason ? { reason: r.reason } : {}) };
  }
  // Linux desktops: gio (GNOME/udisks) unmounts user-mounted drives without root.
  const gio = await run('gio', ['mount', '-u', mountPoint]);
  if (gio.ok) return { ejected: true, method: 'gio' };
  const umount = await run('umount', [mountPoint]);
  return { ejected: umount.ok, method: umount.ok ? 'umount' : null, reason: umount.ok ? undefined : `${gio.reason}; ${umount.reason}` };
}
