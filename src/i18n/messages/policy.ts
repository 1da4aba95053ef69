import type { Catalogue } from '../types.js';

/** Text of src/policy (keys start with "policy."). */
export const policyMessages: Catalogue = {};
