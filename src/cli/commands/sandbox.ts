/** `clinic-backup sandbox`: test FHIR server with synthetic data. */
import { facade, usage, type Command } from '../context.js';

export const command: Command = {
  spec: { options: ['port', 'patients', 'seed'], noRepository: true },
  async run(ctx) {
    const port = ctx.values.port ? Number(ctx.values.port) : 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage('--port 0-65535');
    const patients = ctx.values.patients ? Number(ctx.values.patients) : 10;
    if (!Number.isInteger(patients) || patients < 0) throw usage('--patients N');
    const { runSandboxCommand } = await facade();
    await runSandboxCommand({ port, patients, seed: ctx.values.seed ? Number(ctx.values.seed) : 1, locale: ctx.locale });
    return 0;
  },
};
