/**
 * A real case-insensitive file system for restore tests: a small exFAT image (the format of most clinic USB drives)
 * on a loop device, mounted with exfat-fuse in a temp folder. Mounted under a small shell guard holding a pipe from
 * this process: when the pipe closes (unmount(), or this test process dies, even by SIGKILL) the guard unmounts and
 * detaches the loop device. Needs root, /dev/fuse and Debian's exfat-fuse and exfatprogs; otherwise the reason comes
 * back and the test skips, printing it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ExfatMount {
  /** The mounted folder (empty, case-insensitive). */
  readonly dir: string;
  unmount(): Promise<void>;
}

const TOOLS = ['/usr/sbin/mkfs.exfat', '/usr/sbin/mount.exfat-fuse', '/usr/sbin/losetup', '/usr/bin/umount'];

function mounted(dir: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === dir);
}

export async function mountExfat(sizeMiB = 64): Promise<{ ok: true; mount: ExfatMount } | { ok: false; reason: string }> {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'mounting an exFAT image needs root' };
  if (!existsSync('/dev/fuse')) return { ok: false, reason: 'no /dev/fuse in this machine' };
  const missing = TOOLS.find((t) => !existsSync(t));
  if (missing) return { ok: false, reason: `${missing} missing (Debian: apt-get install exfat-fuse exfatprogs)` };
  const base = mkdtempSync(path.join(os.tmpdir(), 'cb-exfat-'));
  const image = path.join(base, 'usb.img');
  const dir = path.join(base, 'usb');
  const cleanup = (): void => rmSync(base, { recursive: true, force: true });
  let device: string;
  try {
    execFileSync('/usr/bin/truncate', ['-s', `${sizeMiB}M`, image]);
    execFileSync('/usr/sbin/mkfs.exfat', ['-L', 'CLINICA', image], { stdio: 'ignore' });
    execFileSync('/usr/bin/mkdir', [dir]);
    device = execFileSync('/usr/sbin/losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
  } catch (err) {
    cleanup();
    return { ok: false, reason: `could not prepare an exFAT image: ${err instanceof Error ? err.message : String(err)}` };
  }
  const script = 'mount.exfat-fuse -o uid=0,gid=0 "$1" "$2" || exit 1; cat > /dev/null; umount "$2" 2>/dev/null || umount -l "$2"; losetup -d "$1"';
  const guard = spawn('/bin/sh', ['-c', script, 'guard', device, dir], { stdio: ['pipe', 'ignore', 'ignore'], env: { ...process.env, PATH: `/usr/sbin:/usr/bin:/sbin:/bin` } });
  const exited = new Promise<void>((resolve) => guard.once('exit', () => resolve()));
  const unmount = async (): Promise<void> => {
    guard.stdin?.end();
    const timer = setTimeout(() => guard.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    cleanup();
  };
  for (let i = 0; i < 100 && !mounted(dir); i++) {
    if (guard.exitCode !== null) break;
    await sleep(100);
  }
  if (!mounted(dir)) {
    await unmount();
    try {
      execFileSync('/usr/sbin/losetup', ['-d', device], { stdio: 'ignore' });
    } catch {
      // already detached by the guard
    }
    return { ok: false, reason: 'mount.exfat-fuse did not mount the image within 10 s' };
  }
  return { ok: true, mount: { dir, unmount } };
}
