import type { Catalogue } from '../types.js';

/**
 * Text of src/secrets (keys start with "secrets."). Errors from the stores carry `reasonCode` in their
 * details: `secrets.keychain.reason.<reasonCode>` for KEYCHAIN_UNAVAILABLE / KEYCHAIN_LOCKED and
 * `secrets.file.reason.<reasonCode>` for PASSWORD_FILE_UNREADABLE give the reason in the user's language.
 */
export const secretsMessages: Catalogue = {
  'secrets.keychain.reason.no-dbus': {
    'pt-BR': 'não há sessão D-Bus (servidor sem área de trabalho?)',
    en: 'no D-Bus session bus (a server without a desktop?)',
  },
  'secrets.keychain.reason.no-provider': {
    'pt-BR': 'nenhum serviço de chaveiro (Secret Service) no D-Bus',
    en: 'no Secret Service on D-Bus',
  },
  'secrets.keychain.reason.no-default-collection': {
    'pt-BR': 'o chaveiro não tem uma coleção padrão (entre na sessão gráfica uma vez para criá-la)',
    en: 'the keyring has no default collection (log in to the desktop once to create it)',
  },
  'secrets.keychain.reason.locked': { 'pt-BR': 'o chaveiro está bloqueado', en: 'the keyring is locked' },
  'secrets.keychain.reason.timeout': {
    'pt-BR': 'o chaveiro não respondeu a tempo (há um pedido de desbloqueio aberto?)',
    en: 'the keychain did not answer in time (is an unlock prompt waiting?)',
  },
  'secrets.keychain.reason.ambiguous': {
    'pt-BR': 'há mais de um item no chaveiro para o mesmo segredo',
    en: 'several keychain items match the same secret',
  },
  'secrets.keychain.reason.roundtrip-mismatch': {
    'pt-BR': 'o chaveiro não devolveu o que foi gravado',
    en: 'the keychain did not return what was stored',
  },
  'secrets.keychain.reason.failed': { 'pt-BR': 'o chaveiro informou um erro', en: 'the keychain reported an error' },
  'secrets.file.reason.missing': { 'pt-BR': 'o arquivo não existe', en: 'the file does not exist' },
  'secrets.file.reason.permission': { 'pt-BR': 'sem permissão para lê-lo', en: 'no permission to read it' },
  'secrets.file.reason.not-a-file': { 'pt-BR': 'não é um arquivo comum', en: 'it is not a regular file' },
  'secrets.file.reason.too-open': {
    'pt-BR': 'outros usuários podem acessá-lo; execute chmod 600 nele',
    en: 'other users can access it; run chmod 600 on it',
  },
  'secrets.file.reason.empty': { 'pt-BR': 'o arquivo está vazio', en: 'the file is empty' },
  'secrets.file.reason.too-large': {
    'pt-BR': 'o arquivo é grande demais para ser uma senha',
    en: 'the file is too large to be a password',
  },
  'secrets.file.reason.not-text': { 'pt-BR': 'o arquivo não é texto UTF-8', en: 'the file is not UTF-8 text' },
  'secrets.file.reason.io': { 'pt-BR': 'erro de leitura', en: 'read error' },
};
