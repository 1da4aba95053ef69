/** The desktop app's folder picker: the OS dialog through a thin adapter, and the host's chooseFolder call. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { folderChooser, type OpenDialogLike, type OpenDialogOptionsLike } from '../../main/folderDialog.js';
import { EngineHost } from '../../src/api/host.js';
import { tempDir } from '../support/tmp.js';

function fakeDialog(answer: { canceled: boolean; filePaths: string[] }): OpenDialogLike & { asked: OpenDialogOptionsLike[] } {
  const asked: OpenDialogOptionsLike[] = [];
  return {
    asked,
    showOpenDialog: async (o) => {
      asked.push(o);
      return answer;
    },
  };
}

describe('desktop folder dialog', () => {
  it('asks the OS for a folder (never a file), with "new folder", in the given words', async () => {
    const d = fakeDialog({ canceled: false, filePaths: ['/media/recepcao/USB/Backups'] });
    const choose = folderChooser(d, () => ({ title: 'Escolha a pasta', button: 'Escolher esta pasta' }));
    assert.deepEqual(await choose(), { path: '/media/recepcao/USB/Backups' });
    const o = d.asked[0] as OpenDialogOptionsLike;
    assert.equal(o.title, 'Escolha a pasta');
    assert.equal(o.buttonLabel, 'Escolher esta pasta');
    assert.ok(o.properties.includes('openDirectory') && o.properties.includes('createDirectory'));
    assert.equal((o.properties as readonly string[]).includes('openFile'), false);
  });

  it('a dialog closed without a choice gives no folder', async () => {
    assert.deepEqual(await folderChooser(fakeDialog({ canceled: true, filePaths: [] }), () => ({ title: 't', button: 'b' }))(), { path: null });
    assert.deepEqual(await folderChooser(fakeDialog({ canceled: false, filePaths: [] }), () => ({ title: 't', button: 'b' }))(), { path: null });
  });

  it('the host answers chooseFolder through the desktop extension, and says it is not available in serve mode', async () => {
    const dir = await tempDir('cb-folder-dialog-');
    const chooser = folderChooser(fakeDialog({ canceled: false, filePaths: ['/mnt/nas/clinica'] }), () => ({ title: 't', button: 'b' }));
    const desktop = new EngineHost({ engine: { stateDir: dir }, repo: `${dir}/repo`, locale: 'pt-BR', mode: 'electron', extensions: { chooseFolder: chooser } });
    const serve = new EngineHost({ engine: { stateDir: dir }, repo: `${dir}/repo`, locale: 'pt-BR', mode: 'serve' });
    try {
      assert.deepEqual(await desktop.call('chooseFolder', []), { ok: true, value: { path: '/mnt/nas/clinica' } });
      const r = await serve.call('chooseFolder', []);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.error.code, 'NOT_FOUND');
    } finally {
      await desktop.close();
      await serve.close();
    }
  });
});
