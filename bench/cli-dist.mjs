#!/usr/bin/env node
// The CLI as it ships: compiled JavaScript (`npm run build` → dist/), without tsx. Benchmarks measure this.
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { main } = await import(path.join(root, 'dist', 'src', 'cli', 'main.js'));
process.exitCode = await main(process.argv.slice(2));
