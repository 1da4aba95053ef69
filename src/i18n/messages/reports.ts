import type { Catalogue } from '../types.js';

/** Text of src/reports (keys start with "reports."). */
export const reportsMessages: Catalogue = {};
