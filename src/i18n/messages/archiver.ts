import type { Catalogue } from '../types.js';

/** Text of src/archiver (keys start with "archiver."). */
export const archiverMessages: Catalogue = {
  'archiver.warning.EXPORT_STUCK_RESTARTED': {
    'pt-BR': 'A exportação retomada do servidor não avançou em {minutes} min: foi cancelada no servidor e uma nova exportação foi feita.',
    en: 'The resumed server export made no progress in {minutes} min: it was cancelled on the server and a new export was made.',
  },
  'archiver.warning.EXPORT_NOT_OFFERED': {
    'pt-BR': 'O servidor recusou a exportação em lote (HTTP {status}); o backup foi feito por outro caminho, mais lento. Se o servidor oferece $export, confira os escopos (scopes) do cliente.',
    en: "The server refused the bulk export (HTTP {status}); the backup used another, slower way. If the server offers $export, check the client's scopes.",
  },
  'archiver.warning.TYPE_NOT_COVERED': {
    'pt-BR': 'O servidor não permite buscar {type} (HTTP {status}): esses registros não foram lidos neste backup; os do backup anterior foram mantidos.',
    en: "The server does not allow searching {type} (HTTP {status}): those records were not read in this backup; the previous backup's were kept.",
  },
  'archiver.warning.TYPE_INCOMPLETE': {
    'pt-BR': 'A leitura de {type} parou em {read} de {total} registros (o servidor não deu as páginas seguintes); os não lidos foram mantidos do backup anterior.',
    en: 'Reading {type} stopped at {read} of {total} records (the server gave no further pages); the ones not read were kept from the previous backup.',
  },
  'archiver.warning.ATTACHMENT_EXTERNAL': {
    'pt-BR':
      '{count, plural, one {# anexo fica} other {# anexos ficam}} em outro endereço ({host}) e não {count, plural, one {foi copiado} other {foram copiados}}. Para copiá-los, inclua {host} em "Outros endereços permitidos".',
    en: '{count, plural, one {# attachment lives} other {# attachments live}} at another address ({host}) and {count, plural, one {was} other {were}} not copied. To copy them, add {host} to "Other allowed addresses".',
  },
  'archiver.warning.ATTACHMENT_HASH_MISMATCH': {
    'pt-BR':
      '{count, plural, one {# anexo não confere} other {# anexos não conferem}} com o tamanho ou a impressão digital (hash) declarados no registro (ex.: {example}); foram guardados como o servidor os entregou.',
    en: '{count, plural, one {# attachment does} other {# attachments do}} not match the size or hash their record declares (e.g. {example}); they were kept as the server sent them.',
  },
};
