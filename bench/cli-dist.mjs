#!/usr/bin/env node
// The CLI as it ships: compiled JavaScript (`npm run build` → dist/), without tsx, started the way
// bin/clinic-backup.js starts it (bin/launch.js: the long-running commands run again with MALLOC_ARENA_MAX=2 on
// Linux). Benchmarks measure this; /usr/bin/time -v reports the larger of the two processes' peak RSS.
import { launch } from '../bin/launch.js';

await launch('dist/src', '.js');
