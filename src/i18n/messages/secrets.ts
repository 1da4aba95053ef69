import type { Catalogue } from '../types.js';

/** Text of src/secrets (keys start with "secrets."). */
export const secretsMessages: Catalogue = {};
