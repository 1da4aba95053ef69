import type { Catalogue } from '../types.js';

/** Text of src/doctor (keys start with "doctor."). */
export const doctorMessages: Catalogue = {};
