/** `clinic-backup demo`: full demonstration on synthetic data. */
import type { Command } from '../context.js';
import { runDemo } from '../demo.js';

export const command: Command = {
  spec: { options: ['patients', 'keep'], noRepository: true },
  async run(ctx) {
    return runDemo({ out: ctx.out, locale: ctx.locale, patients: ctx.values.patients ? Number(ctx.values.patients) : 300, keep: ctx.values.keep === true });
  },
};
