import type { Catalogue } from '../types.js';

/** Text printed by the command-line front end. */
export const cliMessages: Catalogue = {};
