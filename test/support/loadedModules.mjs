// Preloaded with `node --import` in a child process: when the process exits, writes the file of every module it
// loaded (ES modules seen by a resolve hook, CommonJS ones from the require cache), one per line, to the file named
// by LOADED_MODULES_FILE. Tests use it to prove what a command does NOT load. A command the launcher starts again
// (bin/launch.js: MALLOC_ARENA_MAX) inherits the preload and the variable: the launcher, ending last, adds its list to
// what the command wrote.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';

const out = process.env.LOADED_MODULES_FILE;
const { port1, port2 } = new MessageChannel();
port1.unref();
register('./loadedModulesHooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

process.on('exit', () => {
  if (!out) return;
  const seen = new Set(existsSync(out) ? readFileSync(out, 'utf8').split('\n').filter(Boolean) : []);
  for (let m = receiveMessageOnPort(port1); m; m = receiveMessageOnPort(port1)) {
    const url = String(m.message);
    seen.add(url.startsWith('file:') ? fileURLToPath(url) : url);
  }
  for (const file of Object.keys(createRequire(import.meta.url).cache)) seen.add(file);
  writeFileSync(out, [...seen].sort().join('\n') + '\n');
});
