import type { Catalogue } from '../types.js';

/** Text of src/drills (keys start with "drills."). */
export const drillsMessages: Catalogue = {};
