import type { Catalogue } from '../types.js';

/** Text of src/scheduler (keys start with "scheduler."). */
export const schedulerMessages: Catalogue = {};
