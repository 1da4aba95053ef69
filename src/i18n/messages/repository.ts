import type { Catalogue } from '../types.js';

/** Text of src/repository (keys start with "repository."). */
export const repositoryMessages: Catalogue = {};
