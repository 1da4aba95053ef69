import type { Catalogue } from '../types.js';

/** Text of src/restorer (keys start with "restorer."). */
export const restorerMessages: Catalogue = {};
