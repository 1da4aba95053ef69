import type { Catalogue } from '../types.js';

/** Text of src/catalog (keys start with "catalog."). */
export const catalogMessages: Catalogue = {};
