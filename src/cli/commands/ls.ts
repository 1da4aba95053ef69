/** `clinic-backup ls`: list a restore point's resources, or (--path) the files of a folders backup. */
import { t } from '../../i18n/index.js';
import { printMissingTypes, usage, withEngine, type Command } from '../context.js';
import { formatBytes } from '../output.js';
import { SNAPSHOT_ARG } from '../spec.js';

export const command: Command = {
  spec: {
    options: ['type', 'patient', 'as-of', 'path', 'query', 'source-name'],
    conflicts: [
      [SNAPSHOT_ARG, 'as-of'],
      [SNAPSHOT_ARG, 'source-name'],
      ['path', 'type'],
      ['path', 'patient'],
    ],
    requires: [
      ['query', ['path']],
      ['source-name', ['path']],
    ],
    operands: [[1, SNAPSHOT_ARG]],
  },
  async run(ctx) {
    const { values, out, positionals, locale } = ctx;
    if (values.path) {
      if (values.path.length > 1) throw usage(t('cli.onePath', {}, locale));
      const r = await withEngine(ctx, (e) =>
        e.listFiles({
          snapshot: positionals[1] ?? 'latest',
          path: values.path?.[0] ?? '',
          ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
          ...(values.query ? { query: values.query } : {}),
          ...(values['source-name'] ? { source: values['source-name'] } : {}),
        }),
      );
      out.data(r);
      for (const x of r.entries) {
        const kind = x.type === 'dir' ? 'd' : x.type === 'symlink' ? 'l' : '-';
        const size = x.type === 'file' ? formatBytes(x.size) : '';
        out.line(
          `${kind} ${x.mode.toString(8).padStart(4, '0')} ${size.padStart(10)} ${x.mtime.slice(0, 19).replace('T', ' ')}  ${x.path}${x.target !== undefined ? ` -> ${x.target}` : ''}${x.changedDuringBackup ? '  (~)' : ''}`,
        );
      }
      if (r.truncated) out.line(t('cli.ls.truncated', { count: r.entries.length }, locale));
      return 0;
    }
    const r = await withEngine(ctx, (e) =>
      e.ls({
        snapshot: positionals[1] ?? 'latest',
        ...(values.type ? { types: values.type } : {}),
        ...(values.patient ? { patient: values.patient } : {}),
        ...(values['as-of'] ? { asOf: values['as-of'] } : {}),
      }),
    );
    out.data(r);
    printMissingTypes(ctx, r.missingTypes);
    for (const x of r.resources) out.line(`${`${x.type}/${x.id}`.padEnd(60)} v${(x.versionId ?? '-').padEnd(4)} ${(x.lastUpdated ?? '').padEnd(29)} ${formatBytes(x.size)}`);
    return 0;
  },
};
