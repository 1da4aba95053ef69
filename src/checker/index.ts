/** The public surface of src/checker: the only file other modules import (ARCHITECTURE.md §3). */
export { checkRepository } from './checker.js';
