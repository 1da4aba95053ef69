/** The public surface of src/api: the only file other modules import (ARCHITECTURE.md §3). */
export { EngineHost } from './host.js';
export type { CallResult, HostInfo } from './host.js';
