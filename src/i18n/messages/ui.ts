import type { Catalogue } from '../types.js';

/**
 * Text of the desktop and serve front ends written outside the renderer (keys start with "serve.", "tray.",
 * "notify.", "desktop."): the serve command, its plain error pages, the tray and OS notifications.
 * The renderer has its own catalogue (renderer/src/i18n/), because it may not import src/.
 */
export const uiMessages: Catalogue = {
  'desktop.chooseFolder.title': { 'pt-BR': 'Escolha a pasta dos backups (no NAS ou no disco USB)', en: 'Choose the backup folder (on the NAS or the USB drive)' },
  'desktop.chooseFolder.button': { 'pt-BR': 'Escolher esta pasta', en: 'Choose this folder' },
  'serve.listening': {
    'pt-BR': 'Clinic Backup está disponível em:\n  {url}',
    en: 'Clinic Backup is available at:\n  {url}',
  },
  'serve.tokenNote': {
    'pt-BR': 'Abra esse endereço neste computador (ele vale uma vez; o navegador guarda o acesso). Ctrl+C encerra.',
    en: 'Open that address on this computer (it works once; the browser keeps the session). Ctrl+C stops.',
  },
  'serve.stopped': { 'pt-BR': 'Clinic Backup encerrado.', en: 'Clinic Backup stopped.' },
  'serve.notJson': { 'pt-BR': 'o corpo não é JSON', en: 'the body is not JSON' },
  'serve.bodyTooLarge': { 'pt-BR': 'maior que {max} bytes', en: 'larger than {max} bytes' },
  'serve.usePost': { 'pt-BR': 'chamadas da API usam POST', en: 'API calls use POST' },
  'serve.methodNotAllowed': { 'pt-BR': 'método HTTP não permitido aqui', en: 'HTTP method not allowed here' },
  'serve.badPath': { 'pt-BR': 'endereço da chamada malformado', en: 'malformed call address' },
  'serve.unauthorized': {
    'pt-BR': 'Acesso não autorizado. Abra o endereço que "clinic-backup serve" mostrou ao iniciar.',
    en: 'Not authorised. Open the address "clinic-backup serve" printed when it started.',
  },
  'serve.launchUsed': {
    'pt-BR': 'Este endereço de acesso já foi usado ou não vale mais. Reinicie "clinic-backup serve" para obter um novo.',
    en: 'This access address was already used or is no longer valid. Restart "clinic-backup serve" to get a new one.',
  },
  'serve.notFound': { 'pt-BR': 'Página não encontrada.', en: 'Page not found.' },
  'serve.rendererMissing': {
    'pt-BR': 'A interface ainda não foi compilada ({dir}). Rode "npm run build:renderer".',
    en: 'The user interface has not been built yet ({dir}). Run "npm run build:renderer".',
  },

  'tray.tooltip.ok': { 'pt-BR': 'Clinic Backup — tudo certo', en: 'Clinic Backup — all good' },
  'tray.tooltip.running': { 'pt-BR': 'Clinic Backup — backup em andamento {percent}', en: 'Clinic Backup — backup running {percent}' },
  'tray.tooltip.warning': { 'pt-BR': 'Clinic Backup — atenção: {reason}', en: 'Clinic Backup — attention: {reason}' },
  'tray.tooltip.error': { 'pt-BR': 'Clinic Backup — problema: {reason}', en: 'Clinic Backup — problem: {reason}' },
  'tray.tooltip.unknown': { 'pt-BR': 'Clinic Backup — configure o backup', en: 'Clinic Backup — set up the backup' },
  'tray.tooltip.paused': { 'pt-BR': ' (pausado até {until})', en: ' (paused until {until})' },
  'tray.menu.status.ok': { 'pt-BR': 'Tudo certo', en: 'All good' },
  'tray.menu.status.running': { 'pt-BR': 'Backup em andamento… {percent}', en: 'Backup running… {percent}' },
  'tray.menu.status.warning': { 'pt-BR': 'Atenção: {reason}', en: 'Attention: {reason}' },
  'tray.menu.status.error': { 'pt-BR': 'Problema: {reason}', en: 'Problem: {reason}' },
  'tray.menu.backupNow': { 'pt-BR': 'Fazer backup agora', en: 'Back up now' },
  'tray.menu.open': { 'pt-BR': 'Abrir Clinic Backup', en: 'Open Clinic Backup' },
  'tray.menu.last': { 'pt-BR': 'Último backup: {at}', en: 'Last backup: {at}' },
  'tray.menu.next': { 'pt-BR': 'Próximo: {at}', en: 'Next: {at}' },
  'tray.menu.never': { 'pt-BR': 'nunca', en: 'never' },
  'tray.menu.pause': { 'pt-BR': 'Pausar por 1 hora', en: 'Pause for 1 hour' },
  'tray.menu.resume': { 'pt-BR': 'Retomar (pausado até {until})', en: 'Resume (paused until {until})' },
  'tray.menu.drill': { 'pt-BR': 'Teste de restauração pendente…', en: 'Restore drill due…' },
  'tray.menu.setup': { 'pt-BR': 'Configurar o backup…', en: 'Set up the backup…' },
  'tray.menu.quit': { 'pt-BR': 'Sair', en: 'Quit' },

  'notify.failed.title': { 'pt-BR': 'O backup falhou', en: 'The backup failed' },
  'notify.failed.body': { 'pt-BR': '{message} Clique para ver como resolver.', en: '{message} Click to see how to fix it.' },
  'notify.stale.title': { 'pt-BR': 'Backup atrasado', en: 'Backup overdue' },
  'notify.drill.title': { 'pt-BR': 'Teste de restauração pendente', en: 'Restore drill due' },
  'notify.drill.body': { 'pt-BR': 'Está na hora do teste mensal de restauração. Clique para fazê-lo.', en: 'The monthly restore drill is due. Click to run it.' },
  'notify.drill.failed': { 'pt-BR': 'O teste de restauração falhou', en: 'The restore drill failed' },
  'notify.integrity.title': { 'pt-BR': 'Problema de integridade no backup', en: 'Backup integrity problem' },
  'notify.copy.title': { 'pt-BR': 'Uma cópia do backup não foi atualizada', en: 'A backup copy was not updated' },
  'notify.alert.title': { 'pt-BR': 'Clinic Backup precisa de atenção', en: 'Clinic Backup needs attention' },
  'notify.resumed': { 'pt-BR': 'Backups retomados.', en: 'Backups resumed.' },

  'desktop.secrets.basicText': {
    'pt-BR': 'o Linux não oferece um chaveiro seguro para esta sessão (safeStorage usaria "basic_text")',
    en: 'Linux offers no secure keyring in this session (safeStorage would use "basic_text")',
  },
  'desktop.secrets.unavailable': {
    'pt-BR': 'a criptografia do sistema (safeStorage) não está disponível',
    en: 'the system encryption (safeStorage) is not available',
  },
};
