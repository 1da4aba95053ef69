/** `clinic-backup sources`: what is backed up: list, add (folders or a database), remove; backup one or all now. */
import { t } from '../../i18n/index.js';
import type { ExtraSourceSetting } from '../../shared/index.js';
import { longOperation, usage, withEngine, type Command } from '../context.js';
import { dbSourceFrom } from '../dbSource.js';
import { DB_OPTIONS } from '../spec.js';

export const command: Command = {
  spec: {
    options: ['name', 'path', 'exclude', 'allow-empty', 'db', ...DB_OPTIONS],
    requires: [['exclude', ['path']], ['allow-empty', ['path']], ...DB_OPTIONS.map((o) => [o, ['db']] as const)],
    conflicts: [['path', 'db']],
    cancellable: true,
  },
  async run(ctx) {
    const { positionals, values, out, locale } = ctx;
    const sub = positionals[1] ?? 'list';
    if (sub === 'list') {
      const list = await withEngine(ctx, (e) => e.listSources());
      out.data(list);
      if (list.length === 0) out.line(t('cli.sources.none', {}, locale));
      for (const s of list) out.line(`${t(`cli.sources.kind.${s.kind}`, {}, locale).padEnd(16)} ${s.name.padEnd(28)} ${s.description}`);
      return 0;
    }
    if (sub === 'add') {
      const name = values.name ?? positionals[2];
      if (!name) throw usage('sources add --name <name> (--path <folder>… [--exclude <pattern>…] | --db <kind> …)');
      let source: ExtraSourceSetting;
      if (values.path) source = { kind: 'folders', name, paths: values.path, ...(values.exclude ? { exclude: values.exclude } : {}), ...(values['allow-empty'] ? { allowEmpty: true } : {}) };
      else if (values.db) source = { kind: 'database', name, database: dbSourceFrom(values.db, values) };
      else throw usage('sources add --name <name> (--path <folder>… | --db postgres|mysql|firebird|sqlite …)');
      const list = await withEngine(ctx, (e) => e.addSource(source));
      out.data(list);
      out.line(t('cli.sources.added', { name }, locale));
      return 0;
    }
    if (sub === 'remove') {
      const name = positionals[2] ?? values.name;
      if (!name) throw usage('sources remove <name>');
      const list = await withEngine(ctx, (e) => e.removeSource(name));
      out.data(list);
      out.line(t('cli.sources.removed', { name }, locale));
      return 0;
    }
    if (sub === 'backup') {
      const name = positionals[2] ?? values.name;
      if (name) {
        const r = await withEngine(ctx, (e) => e.backupSource(name, longOperation(ctx)));
        out.endProgress();
        out.data(r);
        out.line(t('cli.sources.backedUp', { name, id: r.snapshot.shortId }, locale));
        return r.snapshot.partial ? 1 : 0;
      }
      const all = await withEngine(ctx, (e) => e.backupAllSources(longOperation(ctx)));
      out.endProgress();
      out.data(all);
      for (const o of all) out.line(t('cli.sources.backedUp', { name: o.name, id: (o.snapshotId ?? '').slice(0, 8) }, locale));
      return 0;
    }
    throw usage('sources list | sources add … | sources remove <name> | sources backup [<name>]');
  },
};
