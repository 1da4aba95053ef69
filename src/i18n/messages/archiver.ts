import type { Catalogue } from '../types.js';

/** Text of src/archiver (keys start with "archiver."). */
export const archiverMessages: Catalogue = {};
