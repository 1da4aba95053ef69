import type { Catalogue } from '../types.js';

/** Text of src/sandbox (keys start with "sandbox."). */
export const sandboxMessages: Catalogue = {};
