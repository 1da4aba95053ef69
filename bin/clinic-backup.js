#!/usr/bin/env node
// clinic-backup: runs the compiled JavaScript in dist/ (`npm run build`; `npm run demo` and `npm test` build it
// when it is missing or older than the sources). scripts/clinic-backup-dev.mjs runs the TypeScript sources instead.
import { launch } from './launch.js';

await launch('dist/src', '.js');
