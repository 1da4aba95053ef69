import type { Catalogue } from '../types.js';

/** Text of src/catalog (keys start with "catalog."). */
export const catalogMessages: Catalogue = {
  'catalog.location.credentials': {
    'pt-BR': 'o endereço contém usuário, senha ou chave; informe as credenciais no campo próprio (ficam no cofre do sistema)',
    en: 'the address contains a user, password or key; enter credentials in their own field (they are kept in the system keychain)',
  },
  'catalog.rebuilt.not-a-database': {
    'pt-BR': 'O catálogo local não era um banco de dados válido; foi guardado em {movedTo} e recriado.',
    en: 'The local catalog was not a valid database; it was kept as {movedTo} and recreated.',
  },
  'catalog.rebuilt.malformed': {
    'pt-BR': 'O catálogo local estava danificado; foi guardado em {movedTo} e recriado.',
    en: 'The local catalog was damaged; it was kept as {movedTo} and recreated.',
  },
  'catalog.rebuilt.integrity-check': {
    'pt-BR': 'O catálogo local falhou na verificação de integridade; foi guardado em {movedTo} e recriado.',
    en: 'The local catalog failed its integrity check; it was kept as {movedTo} and recreated.',
  },
};
