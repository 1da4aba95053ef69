import type { Catalogue } from '../types.js';

/** Text of src/status (keys start with "status."). */
export const statusMessages: Catalogue = {};
