import type { Catalogue } from '../types.js';

/** Text of src/alerts (keys start with "alerts."). */
export const alertsMessages: Catalogue = {};
