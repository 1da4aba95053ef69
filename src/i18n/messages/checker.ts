import type { Catalogue } from '../types.js';

/** Text of src/checker (keys start with "checker."). */
export const checkerMessages: Catalogue = {};
