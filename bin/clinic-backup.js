#!/usr/bin/env node
// Launches the CLI from the TypeScript sources (tsx compiles on the fly and caches).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
