/** Output helpers for the CLI: human text on stdout, progress on stderr, JSON for machines. */
import type { ProgressEvent } from '../shared/index.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

export interface Output {
  readonly json: boolean;
  line(text?: string): void;
  data(value: unknown): void;
  error(text: string): void;
  progress(event: ProgressEvent, text: string): void;
  endProgress(): void;
}

export function createOutput(json: boolean, stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  let lastProgress = 0;
  let live = false;
  let pending: { phase: string; text: string } | null = null;
  const tty = Boolean(stderr.isTTY);
  return {
    json,
    line(text = '') {
      if (!json) stdout.write(text + '\n');
    },
    data(value) {
      if (json) stdout.write(JSON.stringify(value, null, 2) + '\n');
    },
    error(text) {
      this.endProgress();
      stderr.write(text + '\n');
    },
    progress(event, text) {
      const now = Date.now();
      // On a terminal, one line rewritten in place; otherwise a line every 10 s so logs stay short, plus the last
      // line of each phase (so a log ends with the real count, not with the first one seen).
      if (tty) {
        if (now - lastProgress < 200) return;
        stderr.write(`\r\x1b[2K${text}`);
        live = true;
      } else {
        if (pending && pending.phase !== `${event.op}/${event.phase}`) stderr.write(pending.text + '\n');
        pending = null;
        if (now - lastProgress < 10_000) {
          pending = { phase: `${event.op}/${event.phase}`, text };
          return;
        }
        stderr.write(text + '\n');
      }
      lastProgress = now;
    },
    endProgress() {
      if (live) stderr.write('\r\x1b[2K');
      live = false;
      if (pending) stderr.write(pending.text + '\n');
      pending = null;
    },
  };
}
