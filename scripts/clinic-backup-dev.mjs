#!/usr/bin/env node
// clinic-backup from the TypeScript sources (tsx compiles on the fly): for development (`npm run cli -- …`) and the
// tests that exercise the CLI while the sources change. What ships is bin/clinic-backup.js over the compiled dist/.
import { register } from 'tsx/esm/api';
import { launch } from '../bin/launch.js';

register();
await launch('src', '.ts');
