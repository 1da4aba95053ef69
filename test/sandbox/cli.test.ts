import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSandboxCommand } from '../../src/sandbox/cli.js';
import type { SandboxServer } from '../../src/sandbox/server.js';

describe('runSandboxCommand', () => {
  it('prints the URL, serves until stopped, then closes', async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    let server: SandboxServer | undefined;
    const done = runSandboxCommand({
      port: 0,
      patients: 2,
      seed: 7,
      locale: 'en',
      print: (l) => lines.push(l),
      signal: stop.signal,
      onReady: (s) => {
        server = s;
      },
    });
    for (let i = 0; i < 200 && !server; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(server);
    assert.ok(lines.some((l) => l.includes(server?.url ?? '?')));
    const r = await fetch(`${server.url}/Patient?_summary=count`);
    assert.equal(((await r.json()) as { total: number }).total, 2);
    stop.abort();
    await done;
    assert.match(lines[lines.length - 1] ?? '', /stopped/);
    await assert.rejects(fetch(`${server.url}/metadata`));
  });
});
