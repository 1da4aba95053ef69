#!/usr/bin/env node
// Launches the CLI from the TypeScript sources (tsx compiles on the fly and caches).
import { register } from 'tsx/esm/api';

// A closed pipe (e.g. `clinic-backup snapshots | head`) ends the output quietly, not with a crash.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
