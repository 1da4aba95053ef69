/** `clinic-backup destinations`: copies on other destinations: state, adding and removing. */
import { t } from '../../i18n/index.js';
import type { AddCopyRequest } from '../../shared/index.js';
import { clinicTime, readSecretFile, usage, withEngine, type Command } from '../context.js';

export const command: Command = {
  spec: { options: ['copy', 'bucket', 'endpoint', 'prefix', 'region', 'access-key-id', 'from-file', 'immutable', 'rotate-days', 'residency-ack'] },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1];
    if (sub === 'add') {
      const kind = positionals[2];
      let request: AddCopyRequest;
      if (kind === 's3') {
        // The secret key comes from a file (never argv); the key id is an identifier, like a user name.
        if (!values.bucket || !values.region || !values['access-key-id'] || !values['from-file']) {
          throw usage('destinations add s3 --bucket B --region R --access-key-id ID --from-file <secret-key-file> [--endpoint https://host] [--prefix P] [--immutable] [--residency-ack]');
        }
        request = {
          kind: 's3',
          bucket: values.bucket,
          region: values.region,
          accessKeyId: values['access-key-id'],
          secretAccessKey: await readSecretFile(values['from-file']),
          ...(values.endpoint ? { endpoint: values.endpoint } : {}),
          ...(values.prefix ? { prefix: values.prefix } : {}),
          immutable: values.immutable === true,
          residencyAcknowledged: values['residency-ack'] === true,
        };
      } else if ((kind === 'usb' || kind === 'nas') && positionals[3]) {
        const rotate = values['rotate-days'] === undefined ? undefined : Number(values['rotate-days']);
        request = { kind, path: positionals[3], ...(rotate !== undefined ? { rotateDays: rotate } : {}) };
      } else throw usage('destinations add s3 … | destinations add usb|nas <folder> [--rotate-days N]');
      const r = await withEngine(ctx, (e) => e.addCopy(request));
      out.data(r);
      out.line(t(r.existing ? 'cli.dest.addedExisting' : 'cli.dest.added', { location: r.location }, locale));
      return 0;
    }
    if (sub === 'remove') {
      const location = positionals[2];
      if (!location) throw usage('destinations remove <location>');
      const r = await withEngine(ctx, (e) => e.removeCopy(location));
      out.data(r);
      out.line(t(r.removed ? 'cli.dest.removed' : 'cli.dest.notACopy', { location }, locale));
      return r.removed ? 0 : 1;
    }
    if (sub !== undefined && sub !== 'list') throw usage('destinations [list] | destinations add … | destinations remove <location>');
    const list = await withEngine(ctx, (e) => e.destinations());
    out.data(list);
    for (const d of list) {
      out.line(
        t(
          'cli.dest.line',
          { kind: d.kind, location: d.location, at: clinicTime(ctx, d.lastSuccessAt), snapshot: d.latestSnapshot?.slice(0, 8) ?? '—', state: d.offline ? 'offline' : (d.errorCode ?? 'ok') },
          locale,
        ),
      );
      if (d.overdue) out.line(t('cli.dest.overdue', {}, locale));
    }
    return 0;
  },
};
