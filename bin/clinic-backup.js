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
// Warnings of third-party libraries (deprecations, version notices) are not for the clinic: they are dropped, or
// shown on standard error with CLINIC_BACKUP_DEBUG=1. The product's own problems are errors with codes.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (process.env.CLINIC_BACKUP_DEBUG) process.stderr.write(`[debug] ${warning.name}: ${warning.message}\n`);
});
register();
// `serve` is its own front end (the local web mode); everything else is the command-line front end.
const args = process.argv.slice(2);
const { main } = args[0] === 'serve' ? await import('../src/serve/cli.ts') : await import('../src/cli/main.ts');
process.exitCode = await main(args[0] === 'serve' ? args.slice(1) : args);
