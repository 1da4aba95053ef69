import type { Catalogue } from '../types.js';

/** Text of src/backend (keys start with "backend."). */
export const backendMessages: Catalogue = {};
