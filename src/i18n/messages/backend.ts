import type { Catalogue } from '../types.js';

/**
 * Text of src/backend (keys start with "backend."), plus the 3-2-1-1-0 status text of src/policy/copies.ts
 * ("policy.copies.*"), kept here until it moves to policy.ts.
 */
export const backendMessages: Catalogue = {
  // put-only mode and Object Lock (S3)
  'backend.delete.skippedPutOnly': {
    'pt-BR': '{file} não foi apagado: destino somente-inclusão (a limpeza usa a credencial de administrador)',
    en: '{file} was not deleted: put-only destination (clean-up uses the admin credential)',
  },
  'backend.delete.skippedDenied': {
    'pt-BR': '{file} não foi apagado: a credencial não tem permissão de exclusão (esperado no modo somente-inclusão)',
    en: '{file} was not deleted: the credential may not delete (expected in put-only mode)',
  },
  'backend.delete.skippedLocked': {
    'pt-BR': '{file} mantido: protegido por Object Lock até {until}',
    en: '{file} kept: protected by Object Lock until {until}',
  },
  // data residency
  'backend.residency.brazilianRegion': { 'pt-BR': 'Região {region}: os dados ficam no Brasil.', en: 'Region {region}: data stays in Brazil.' },
  'backend.residency.privateEndpoint': {
    'pt-BR': 'Servidor na rede da clínica: os dados ficam no local.',
    en: "Server on the clinic's network: data stays on site.",
  },
  'backend.residency.acknowledged': {
    'pt-BR': 'Região {region} fora do Brasil, autorizada explicitamente.',
    en: 'Region {region} outside Brazil, explicitly authorised.',
  },
  // local destinations recognised by their marker
  'backend.destination.offline': { 'pt-BR': 'Desconectado', en: 'Disconnected' },
  'backend.destination.empty': { 'pt-BR': 'Pasta vazia (novo destino)', en: 'Empty folder (new destination)' },
  'backend.destination.repository': { 'pt-BR': 'Repositório {id}', en: 'Repository {id}' },
  'backend.destination.foreign': {
    'pt-BR': 'Contém outros arquivos: não será usado',
    en: 'Holds other files: will not be used',
  },
  'backend.destination.moved': {
    'pt-BR': 'O disco do destino {id} foi encontrado em {path}.',
    en: 'The drive of destination {id} was found at {path}.',
  },

  // 3-2-1-1-0 status (src/policy/copies.ts)
  'policy.copies.summary': {
    'pt-BR':
      '{copies, plural, =0 {nenhuma cópia} one {# cópia} other {# cópias}} · {media, plural, =0 {nenhum tipo de mídia} one {# tipo de mídia} other {# tipos de mídia}} · {offsite} fora da clínica · {immutable, plural, =0 {nenhuma imutável} one {# imutável} other {# imutáveis}} · {errors, plural, =0 {nenhum erro} one {# erro} other {# erros}}',
    en: '{copies, plural, one {# copy} other {# copies}} · {media, plural, one {# medium} other {# media}} · {offsite} offsite · {immutable} immutable · {errors, plural, one {# error} other {# errors}}',
  },
  'policy.copies.missing.copies': {
    'pt-BR': '{have, plural, one {Há # cópia} other {Há # cópias}} (contando o servidor da clínica); o mínimo é {need}. Adicione um destino.',
    en: '{have, plural, one {There is # copy} other {There are # copies}} (counting the clinic server); at least {need} are needed. Add a destination.',
  },
  'policy.copies.missing.copiesStale': {
    'pt-BR':
      '{have, plural, one {Há # cópia em dia} other {Há # cópias em dia}} (contando o servidor da clínica); o mínimo é {need}. Desatualizadas: {destinations}. Conecte-as e clique em "Fazer backup agora".',
    en: '{have, plural, one {There is # up-to-date copy} other {There are # up-to-date copies}} (counting the clinic server); at least {need} are needed. Out of date: {destinations}. Connect them and click "Back up now".',
  },
  'policy.copies.missing.media': {
    'pt-BR': 'As cópias estão em {have, plural, one {# tipo} other {# tipos}} de mídia; use pelo menos {need} (por exemplo disco USB e nuvem).',
    en: 'The copies are on {have, plural, one {# kind} other {# kinds}} of media; use at least {need} (e.g. a USB drive and the cloud).',
  },
  'policy.copies.missing.offsite': {
    'pt-BR': 'Nenhuma cópia fora da clínica. Adicione uma cópia na nuvem ou leve um disco para outro local.',
    en: 'No copy outside the clinic. Set up a cloud bucket or keep a drive at another site.',
  },
  'policy.copies.missing.offsiteStale': {
    'pt-BR': 'A cópia fora da clínica está desatualizada: {destinations}. Confira a internet e clique em "Fazer backup agora".',
    en: 'The offsite copy is out of date: {destinations}. Check the internet connection and click "Back up now".',
  },
  'policy.copies.missing.immutable': {
    'pt-BR': 'Nenhuma cópia imutável ou desconectada. Ative a trava contra apagamento (Object Lock) na nuvem ou faça rodízio de um disco USB.',
    en: 'No immutable or disconnected copy. Enable Object Lock on the bucket or rotate a USB drive.',
  },
  'policy.copies.missing.immutableStale': {
    'pt-BR': 'A cópia imutável ou desconectada está desatualizada: {destinations}. Conecte o disco da rotação e clique em "Fazer backup agora".',
    en: 'The immutable or disconnected copy is out of date: {destinations}. Plug in the rotation drive and click "Back up now".',
  },
  'policy.copies.missing.errors': {
    'pt-BR': '{errors, plural, one {# erro} other {# erros}} na última verificação de {destinations}. Execute "check --repair".',
    en: '{errors, plural, one {# error} other {# errors}} in the last check of {destinations}. Run "check --repair".',
  },
};
