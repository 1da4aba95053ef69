/**
 * The folders to protect: several folders chosen with the folder picker (or the desktop app's own dialog), a name
 * for the group, and optional exclusions on top of the defaults the engine always applies (shown in plain words).
 * Reports the source setting when at least one folder is chosen; the engine validates it when it is saved.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { FolderSourceSetting } from '../../../../src/shared/contract.js';
import { useApp } from '../../app/state';
import { ErrorBox, Field, Notice } from '../../components/ui';
import { useI18n } from '../../i18n';
import { FolderPicker } from './FolderPicker';

export function FolderSourcesForm({ onReady }: { onReady: (source: FolderSourceSetting | null) => void }): ReactNode {
  const { t } = useI18n();
  const { api, host } = useApp();
  const [name, setName] = useState(() => t('folders.name.default'));
  const [paths, setPaths] = useState<string[]>([]);
  const [exclude, setExclude] = useState('');
  const [typed, setTyped] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const patterns = exclude
      .split('\n')
      .map((x) => x.trim())
      .filter((x) => x !== '');
    onReady(paths.length > 0 && name.trim() !== '' ? { kind: 'folders', name: name.trim(), paths, ...(patterns.length > 0 ? { exclude: patterns } : {}) } : null);
    // onReady is the parent's setter; the setting follows the fields.
  }, [name, paths, exclude]);

  const add = (p: string): void => {
    const path = p.trim();
    if (!path) return;
    if (paths.includes(path)) {
      setNotice(t('folders.already'));
      return;
    }
    setNotice(null);
    setPaths((list) => [...list, path]);
  };

  return (
    <div className="folder-sources" data-testid="folder-sources">
      <Field label={t('folders.name')} hint={t('folders.name.hint')}>
        {(p) => <input {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} data-testid="folders-name" />}
      </Field>
      <p>{t('folders.pick')}</p>
      {host?.mode === 'electron' ? (
        <button type="button" onClick={() => void api.call('chooseFolder').then((r) => r.path && add(r.path), setError)} data-testid="folders-choose">
          {t('setup.picker.osDialog')}
        </button>
      ) : (
        <FolderPicker purpose="source" onChoose={(p) => add(p)} />
      )}
      <details className="dest-typed">
        <summary>{t('setup.picker.typeInstead')}</summary>
        <div className="row">
          <Field label={t('folders.typed')}>{(p) => <input {...p} value={typed} spellCheck={false} onChange={(e) => setTyped(e.target.value)} data-testid="folders-typed" />}</Field>
          <button
            type="button"
            onClick={() => {
              add(typed);
              setTyped('');
            }}
            data-testid="folders-add-typed"
          >
            {t('folders.add')}
          </button>
        </div>
      </details>
      <h4>{t('folders.chosen')}</h4>
      {paths.length === 0 ? (
        <p className="muted">{t('folders.none')}</p>
      ) : (
        <ul className="plain" data-testid="folders-chosen">
          {paths.map((p) => (
            <li key={p}>
              <span data-verbatim>{p}</span>{' '}
              <button type="button" className="link" aria-label={t('folders.remove', { path: p })} onClick={() => setPaths((list) => list.filter((x) => x !== p))}>
                {t('folders.removeShort')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {notice && <Notice kind="info">{notice}</Notice>}
      <p className="muted small">{t('folders.defaults')}</p>
      <Field label={t('folders.exclude')} hint={t('folders.exclude.hint')}>
        {(p) => <textarea {...p} rows={2} value={exclude} spellCheck={false} onChange={(e) => setExclude(e.target.value)} data-testid="folders-exclude" />}
      </Field>
      <ErrorBox error={error} />
    </div>
  );
}
