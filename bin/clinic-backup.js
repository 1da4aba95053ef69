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
// `serve` is its own front end (the local web mode); everything else is the command-line front end.
const args = process.argv.slice(2);
const { main } = args[0] === 'serve' ? await import('../src/serve/cli.ts') : await import('../src/cli/main.ts');
process.exitCode = await main(args[0] === 'serve' ? args.slice(1) : args);
