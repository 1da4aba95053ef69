// Starts a pool worker from the TypeScript sources (development and tests run the engine through tsx; a worker
// thread does not inherit tsx from a process that registered it with the API, so it registers it itself).
// Compiled builds start dist/src/pool/worker.js directly and never load this file.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./worker.ts', import.meta.url).href);
