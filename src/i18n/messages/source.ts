import type { Catalogue } from '../types.js';

/** Text of src/source (keys start with "source."). */
export const sourceMessages: Catalogue = {};
