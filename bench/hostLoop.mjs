#!/usr/bin/env node
// The engine hosted in this process, as the desktop app hosts it: a first backup through the engine API while
// perf_hooks measures this process's event-loop delay (the tray and the UI would wait that long). Compiled code.
// Usage: node bench/hostLoop.mjs DATA_DIR REPO_DIR   → prints {"p99":…,"max":…,"mean":…,"wallS":…} (milliseconds)
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { createEngine } = await import(path.join(root, 'dist', 'src', 'index.js'));
const [data, repo] = process.argv.slice(2);
const state = await mkdtemp(path.join(os.tmpdir(), 'host-loop-'));
const passwordFile = path.join(state, 'password');
await writeFile(passwordFile, 'host-loop-bench\n', { mode: 0o600 });
const engine = createEngine({ repo, passwordFile, stateDir: state });
await engine.init({ useKeychain: false });
const h = monitorEventLoopDelay({ resolution: 10 });
h.enable();
const started = Date.now();
await engine.backupNdjson(data);
h.disable();
const wallS = (Date.now() - started) / 1000;
await engine.close();
process.stdout.write(JSON.stringify({ p99: h.percentile(99) / 1e6, max: h.max / 1e6, mean: h.mean / 1e6, wallS }) + '\n');
