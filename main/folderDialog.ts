/**
 * The desktop app's folder picker: the operating system's own "choose a folder" dialog (with "new folder"), never
 * a typed path. A thin adapter: Electron's dialog is injected so it is unit-testable with a fake.
 */
export interface OpenDialogOptionsLike {
  readonly title: string;
  readonly buttonLabel: string;
  readonly properties: readonly ('openDirectory' | 'createDirectory' | 'promptToCreate' | 'dontAddToRecent')[];
}

export interface OpenDialogLike {
  showOpenDialog(options: OpenDialogOptionsLike): Promise<{ readonly canceled: boolean; readonly filePaths: readonly string[] }>;
}

/** The chosen folder, or null when the dialog was closed without choosing. */
export function folderChooser(dialog: OpenDialogLike, texts: () => { title: string; button: string }): () => Promise<{ path: string | null }> {
  return async () => {
    const { title, button } = texts();
    const r = await dialog.showOpenDialog({ title, buttonLabel: button, properties: ['openDirectory', 'createDirectory', 'promptToCreate', 'dontAddToRecent'] });
    const chosen = r.filePaths[0];
    return { path: r.canceled || chosen === undefined || chosen === '' ? null : chosen };
  };
}
