/** `clinic-backup ls`: list a restore point's resources. */
import { printMissingTypes, withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';
import { SNAPSHOT_ARG } from '../spec.js';

export const command: Command = {
  spec: { options: ['type', 'patient', 'as-of'], conflicts: [[SNAPSHOT_ARG, 'as-of']], operands: [[1, SNAPSHOT_ARG]] },
  async run(ctx) {
    const { values, out, positionals } = ctx;
    const r = await withEngine(ctx, (e) =>
      e.ls({ snapshot: positionals[1] ?? 'latest', ...(values.type ? { types: values.type } : {}), ...(values.patient ? { patient: values.patient } : {}), ...(values['as-of'] ? { asOf: values['as-of'] } : {}) }),
    );
    out.data(r);
    printMissingTypes(ctx, r.missingTypes);
    for (const x of r.resources) out.line(`${`${x.type}/${x.id}`.padEnd(60)} v${(x.versionId ?? '-').padEnd(4)} ${(x.lastUpdated ?? '').padEnd(29)} ${formatBytes(x.size)}`);
    return 0;
  },
};
