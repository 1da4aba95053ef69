import type { ErrorCode } from '../../shared/index.js';
import type { Message } from '../types.js';

/** User text for every error code: what happened, then what to do. Typed so no code lacks text. */
export const errorMessages: Readonly<Record<ErrorCode, Message>> = {
  USAGE: { 'pt-BR': 'Uso incorreto: {reason}', en: 'Incorrect usage: {reason}' },
  UNKNOWN_OPTION: {
    'pt-BR': 'A opção {option} não existe{forCommand}. {suggestion}Veja: clinic-backup {command} --help',
    en: 'There is no option {option}{forCommand}. {suggestion}See: clinic-backup {command} --help',
  },
  OPTION_CONFLICT: {
    'pt-BR': 'As opções {first} e {second} não podem ser usadas juntas: {reason}',
    en: 'Options {first} and {second} cannot be used together: {reason}',
  },
  UNKNOWN_RESOURCE_TYPE: {
    'pt-BR': '"{type}" não é um tipo de recurso FHIR R4 (maiúsculas e minúsculas importam). Você quis dizer {suggestions}?',
    en: '"{type}" is not a FHIR R4 resource type (capitals matter). Did you mean {suggestions}?',
  },
  INVALID_ARGUMENT: { 'pt-BR': 'Valor inválido para {field}: {reason}', en: 'Invalid value for {field}: {reason}' },
  INVALID_SETTINGS: { 'pt-BR': 'Configurações inválidas: {reason}', en: 'Invalid settings: {reason}' },
  NOT_FOUND: { 'pt-BR': 'Não encontrado: {what}', en: 'Not found: {what}' },
  REPO_NOT_FOUND: {
    'pt-BR': 'Nenhum repositório de backup em {location}. Confira o caminho ou crie um com "init".',
    en: 'No backup repository at {location}. Check the path or create one with "init".',
  },
  REPO_ALREADY_EXISTS: {
    'pt-BR': 'Já existe um repositório ou outros arquivos em {location}; escolha uma pasta vazia.',
    en: 'A repository or other files already exist at {location}; choose an empty folder.',
  },
  REPO_MARKER_MISSING: {
    'pt-BR': 'O destino {location} não tem a marca do repositório. O disco USB está conectado e o NAS montado? Nada foi gravado.',
    en: 'Destination {location} lacks the repository marker. Is the USB drive plugged in and the NAS mounted? Nothing was written.',
  },
  REPO_MARKER_MISMATCH: {
    'pt-BR': 'O destino {location} contém outro repositório ({found}), não o esperado ({expected}). Nada foi gravado.',
    en: 'Destination {location} holds another repository ({found}), not the expected one ({expected}). Nothing was written.',
  },
  REPO_VERSION_UNSUPPORTED: {
    'pt-BR': 'O repositório usa o formato versão {version}, que esta versão do programa não conhece. Atualize o Clinic Backup.',
    en: 'The repository uses format version {version}, which this version does not know. Update Clinic Backup.',
  },
  REPO_NEEDS_MIGRATION: {
    'pt-BR':
      'O repositório em {location} usa o formato antigo (versão 1). Ele continua legível para restaurar e verificar, mas novos backups precisam do formato novo: rode "clinic-backup migrate" uma vez (seguro; pode ser interrompido e retomado).',
    en: 'The repository at {location} uses the old format (version 1). It can still be restored and checked, but new backups need the new format: run "clinic-backup migrate" once (safe; it can be interrupted and resumed).',
  },
  REPO_LOCKED: {
    'pt-BR': 'O repositório está em uso por {owner} (desde {since}). Aguarde terminar; se o processo não existe mais, o bloqueio expira em {staleAfter}.',
    en: 'The repository is in use by {owner} (since {since}). Wait for it to finish; if that process is gone, the lock expires after {staleAfter}.',
  },
  WRONG_PASSWORD: {
    'pt-BR': 'Nenhuma chave do repositório abriu com a senha fornecida. Nada foi alterado.',
    en: 'No repository key opened with the password given. Nothing was changed.',
  },
  WRONG_RECOVERY_KEY: {
    'pt-BR': 'A chave de recuperação não abre este repositório. Confira o kit de recuperação.',
    en: 'The recovery key does not open this repository. Check the recovery kit.',
  },
  RECOVERY_KEY_CHECKSUM: {
    'pt-BR': 'A chave de recuperação tem um erro na linha {line} (palavras {from}–{to}). Confira essas palavras no kit impresso.',
    en: 'The recovery key has an error in line {line} (words {from}–{to}). Check those words on the printed kit.',
  },
  RECOVERY_KEY_OTHER_REPO: {
    'pt-BR': 'Esta chave de recuperação é de outro repositório ({found}), não de {expected}.',
    en: 'This recovery key belongs to another repository ({found}), not {expected}.',
  },
  RECOVERY_KEY_NOT_KEPT: {
    'pt-BR':
      'A chave de recuperação deste repositório foi criada por uma versão antiga, que não guardava a chave lacrada no repositório; por isso as palavras não podem ser impressas de novo. O kit que você já imprimiu continua valendo. Para ter um kit que possa ser reimpresso, troque a chave: clinic-backup recovery-kit rotate --yes (o papel antigo deixa de funcionar).',
    en: "This repository's recovery key was made by an earlier version that did not keep a sealed copy of it, so its words cannot be printed again. The kit you already printed keeps working. To get a kit that can be reprinted, replace the key: clinic-backup recovery-kit rotate --yes (the old paper then stops working).",
  },
  KEY_SLOT_LAST: {
    'pt-BR': 'Esta é a última chave que abre o repositório; adicione outra antes de removê-la.',
    en: 'This is the last key that opens the repository; add another before removing it.',
  },
  KEY_SLOT_NOT_FOUND: { 'pt-BR': 'Chave {slot} não encontrada.', en: 'Key {slot} not found.' },
  KEY_SLOT_DUPLICATE: {
    'pt-BR': 'Já existe uma chave chamada {name}; escolha outro nome.',
    en: 'A key named {name} already exists; choose another name.',
  },
  SNAPSHOT_NOT_FOUND: {
    'pt-BR': 'Ponto de restauração {snapshot} não encontrado. Parecidos: {suggestions}',
    en: 'Snapshot {snapshot} not found. Close matches: {suggestions}',
  },
  RESOURCE_NOT_FOUND: {
    'pt-BR': 'O recurso {resource} não está no ponto de restauração {snapshot}.',
    en: 'Resource {resource} is not in snapshot {snapshot}.',
  },
  PATIENT_NOT_FOUND: {
    'pt-BR': 'Paciente {patient} não encontrado no ponto de restauração. Parecidos: {suggestions}',
    en: 'Patient {patient} not found in the snapshot. Close matches: {suggestions}',
  },
  TYPE_NOT_IN_SNAPSHOT: {
    'pt-BR': 'O ponto de restauração {snapshot} não tem recursos do tipo {types}. Tipos que ele tem: {present}',
    en: 'Restore point {snapshot} holds no {types} resources. Types it holds: {present}',
  },
  INTEGRITY_ERROR: {
    'pt-BR': 'Problema de integridade: {problems, plural, one {# problema encontrado} other {# problemas encontrados}}. Execute "check --read-data" e veja o relatório.',
    en: 'Integrity problem: {problems, plural, one {# problem} other {# problems}} found. Run "check --read-data" and read the report.',
  },
  PACK_CORRUPT: { 'pt-BR': 'Arquivo de dados danificado: {file}.', en: 'Damaged data file: {file}.' },
  INDEX_CORRUPT: {
    'pt-BR': 'Arquivo de índice danificado: {file}. Os dados continuam nos arquivos; reconstrua o índice com: clinic-backup repair index',
    en: 'Damaged index file: {file}. The data is still in the files; rebuild the index with: clinic-backup repair index',
  },
  INDEX_INCOMPLETE: {
    'pt-BR': 'O índice do repositório está faltando ou incompleto ({reason}). Os dados continuam nos arquivos; reconstrua o índice com: clinic-backup repair index',
    en: 'The repository index is missing or incomplete ({reason}). The data is still in the files; rebuild the index with: clinic-backup repair index',
  },
  SNAPSHOT_CORRUPT: { 'pt-BR': 'Arquivo de ponto de restauração danificado: {file}.', en: 'Damaged snapshot file: {file}.' },
  BLOB_MISSING: {
    'pt-BR': 'Dados ausentes no repositório: {blob} (usado por {snapshots}).',
    en: 'Data missing from the repository: {blob} (used by {snapshots}).',
  },
  FILE_TRUNCATED: { 'pt-BR': 'Arquivo incompleto (truncado): {file}.', en: 'Incomplete (truncated) file: {file}.' },
  AUDIT_TAMPERED: {
    'pt-BR': 'O registro de auditoria foi alterado na entrada {entry}.',
    en: 'The audit log was altered at entry {entry}.',
  },
  DEST_FULL: {
    'pt-BR': 'O destino {location} está cheio. Libere espaço ou use um disco maior; o backup anterior continua intacto.',
    en: 'Destination {location} is full. Free some space or use a larger drive; the previous backup is intact.',
  },
  DEST_OFFLINE: {
    'pt-BR': 'O destino {location} não está disponível (desconectado ou não montado).',
    en: 'Destination {location} is not available (unplugged or not mounted).',
  },
  DEST_NOT_WRITABLE: {
    'pt-BR': 'Não é possível gravar em {location}: {reason}',
    en: 'Cannot write to {location}: {reason}',
  },
  DEST_PERMISSION: {
    'pt-BR': 'Sem permissão para acessar {location}. Confira as permissões da pasta ou do compartilhamento.',
    en: 'No permission to access {location}. Check the folder or share permissions.',
  },
  DEST_IO: { 'pt-BR': 'Erro de leitura/gravação em {location}: {reason}', en: 'I/O error at {location}: {reason}' },
  ON_BATTERY: {
    'pt-BR': 'O computador está na bateria: o teste de restauração espera a tomada para não descarregá-lo.',
    en: 'The computer is on battery: the restore test waits for mains power so as not to drain it.',
  },
  DEST_READONLY: {
    'pt-BR': 'O destino {location} está aberto somente para leitura.',
    en: 'Destination {location} is open read-only.',
  },
  S3_AUTH: {
    'pt-BR': 'As credenciais do espaço na nuvem foram recusadas. Confira a chave de acesso e o segredo.',
    en: 'The bucket credentials were refused. Check the access key and secret.',
  },
  S3_BUCKET_MISSING: {
    'pt-BR': 'O espaço na nuvem \'{bucket}\' não existe neste serviço. Confira o campo "Nome do espaço na nuvem (bucket)".',
    en: 'Bucket \'{bucket}\' does not exist on this service. Check the "Bucket name" field.',
  },
  S3_ACCESS_DENIED: {
    'pt-BR': 'Acesso negado ao espaço na nuvem {bucket} para {operation}.',
    en: 'Access denied to bucket {bucket} for {operation}.',
  },
  S3_CLOCK_SKEW: {
    'pt-BR': 'O relógio deste computador está errado demais para o serviço de armazenamento. Acerte data e hora.',
    en: "This computer's clock is too far off for the storage service. Fix the date and time.",
  },
  S3_REGION_MISMATCH: {
    'pt-BR': 'O espaço na nuvem está na região {actual}, não na configurada ({configured}).',
    en: 'The bucket is in region {actual}, not the configured one ({configured}).',
  },
  S3_OBJECT_LOCKED: {
    'pt-BR': 'O objeto {file} está protegido contra exclusão até {until}.',
    en: 'Object {file} is protected from deletion until {until}.',
  },
  RESIDENCY_NOT_ACKNOWLEDGED: {
    'pt-BR': 'A região {region} fica fora do Brasil. Confirme explicitamente que dados de saúde podem ficar lá (LGPD).',
    en: 'Region {region} is outside Brazil. Explicitly confirm that health data may be stored there (LGPD).',
  },
  SOURCE_UNREACHABLE: {
    'pt-BR': 'O servidor da clínica ({url}) não respondeu. Ele está ligado e acessível desta rede?',
    en: 'The FHIR server {url} did not answer. Is it running and reachable from this network?',
  },
  SOURCE_DNS: {
    'pt-BR': 'O nome {host} não foi encontrado. Confira o endereço do servidor.',
    en: 'Host name {host} was not found. Check the server address.',
  },
  SOURCE_TLS: {
    'pt-BR': 'A conexão segura com {url} falhou: {reason}',
    en: 'The secure connection to {url} failed: {reason}',
  },
  SOURCE_AUTH: {
    'pt-BR': 'O servidor da clínica recusou o acesso (código {status}). Confira as credenciais (usuário e senha, ou chave de acesso).',
    en: 'The FHIR server refused access (HTTP {status}). Check the credentials.',
  },
  SOURCE_FORBIDDEN: {
    'pt-BR': 'As credenciais funcionam, mas não dão permissão para {url} (HTTP 403). Confira os escopos (scopes) do cliente ou a política de acesso no servidor da clínica.',
    en: "The credentials work but lack permission for {url} (HTTP 403). Check the client's scopes or its access policy on the FHIR server.",
  },
  SOURCE_HTTP: { 'pt-BR': 'O servidor da clínica respondeu com o erro {status} em {url}.', en: 'The FHIR server answered HTTP {status} at {url}.' },
  SOURCE_NOT_FHIR: {
    'pt-BR': '{url} não parece ser o endereço do sistema da clínica (não é um servidor FHIR).',
    en: '{url} does not look like a FHIR server (no CapabilityStatement).',
  },
  SOURCE_FHIR_VERSION: {
    'pt-BR': 'O servidor da clínica usa a versão {version}; o Clinic Backup funciona com a versão R4 (4.0.x).',
    en: 'The server uses FHIR {version}; Clinic Backup supports FHIR R4 (4.0.x).',
  },
  SOURCE_BAD_RESPONSE: {
    'pt-BR': 'Resposta inválida do servidor da clínica em {url}: {reason}',
    en: 'Invalid response from the FHIR server at {url}: {reason}',
  },
  SOURCE_FOREIGN_ORIGIN: {
    'pt-BR':
      'O servidor apontou arquivos em outro endereço ({host}) que pedem as credenciais; recusado para não enviá-las a terceiros. Se esse endereço é da clínica, inclua-o em "Outros endereços permitidos" ({setting}).',
    en: 'The server pointed to files at another address ({host}) that need the credentials; refused so they are not sent elsewhere. If that address belongs to the clinic, add it to "Other allowed addresses" ({setting}).',
  },
  EXPORT_UNSUPPORTED: { 'pt-BR': 'O servidor não oferece $export.', en: 'The server does not offer $export.' },
  EXPORT_FAILED: { 'pt-BR': 'A exportação em lote falhou: {reason}', en: 'The bulk export failed: {reason}' },
  EXPORT_EXPIRED: {
    'pt-BR': 'Os arquivos da exportação expiraram antes do download.',
    en: 'The export files expired before they were downloaded.',
  },
  INPUT_MALFORMED: {
    'pt-BR': 'Linha inválida em {file}:{line}: {reason}',
    en: 'Malformed line at {file}:{line}: {reason}',
  },
  RESOURCE_WITHOUT_ID: {
    'pt-BR': 'Recurso sem id em {file}:{line}; não pode ser restaurado com o mesmo id.',
    en: 'Resource without id at {file}:{line}; it cannot be restored with the same id.',
  },
  INPUT_NOT_FOUND: { 'pt-BR': 'Entrada não encontrada: {path}', en: 'Input not found: {path}' },
  FILE_VANISHED: {
    'pt-BR': 'O arquivo ou pasta {path} foi apagado ou movido durante o backup; ficou de fora desta vez.',
    en: 'The file or folder {path} was deleted or moved during the backup; it was left out this time.',
  },
  FILE_PERMISSION_DENIED: {
    'pt-BR': 'Sem permissão para ler {path}; ficou de fora. Dê permissão de leitura ao usuário que roda o Clinic Backup.',
    en: 'No permission to read {path}; it was left out. Give the user that runs Clinic Backup permission to read it.',
  },
  FILE_UNREADABLE: {
    'pt-BR': 'Não foi possível ler {path} ({reason}); ficou de fora. Se o erro se repetir, verifique o disco.',
    en: 'Could not read {path} ({reason}); it was left out. If this happens again, check the disk.',
  },
  FILE_SPECIAL_SKIPPED: {
    'pt-BR': '{path} não é um arquivo comum ({kind}); não entra no backup.',
    en: '{path} is not a regular file ({kind}); it is not backed up.',
  },
  FILE_NAME_UNREADABLE: {
    'pt-BR': 'O nome de {path} tem caracteres inválidos e não pode ser guardado; renomeie o arquivo para incluí-lo.',
    en: 'The name of {path} has invalid characters and cannot be stored; rename the file to include it.',
  },
  FILE_CHANGED_DURING_BACKUP: {
    'pt-BR':
      'O arquivo {path} mudou enquanto era copiado ({attempts} tentativas); a cópia guardada pode estar inconsistente. Se for o banco de dados de um programa, use uma fonte do tipo "banco de dados" (dump) em vez de copiar o arquivo.',
    en: 'The file {path} changed while it was being copied ({attempts} attempts); the stored copy may be inconsistent. If it is a program\'s database, use a "database" (dump) source instead of copying the file.',
  },
  FOLDER_SOURCE_MISSING: {
    'pt-BR': 'A pasta {path} não existe. O disco ou a pasta de rede está conectado? Nada desta pasta foi copiado.',
    en: 'The folder {path} does not exist. Is the drive or network folder connected? Nothing in this folder was backed up.',
  },
  FOLDER_SOURCE_NOT_FOLDER: {
    'pt-BR': '{path} não é uma pasta; escolha a pasta que contém os arquivos.',
    en: '{path} is not a folder; choose the folder that holds the files.',
  },
  FOLDER_SOURCE_EMPTY: {
    'pt-BR': 'A pasta {path} está vazia. Se deveria ter arquivos, verifique se o disco ou a pasta de rede está conectado.',
    en: 'The folder {path} is empty. If it should have files, check that the drive or network folder is connected.',
  },
  EXCLUDE_PATTERN_INVALID: {
    'pt-BR': 'O padrão de exclusão "{pattern}" é inválido: {reason}',
    en: 'The exclusion pattern "{pattern}" is invalid: {reason}',
  },
  DUMP_TOOL_MISSING: {
    'pt-BR': 'O programa {tool} não foi encontrado. Instale-o: no Debian/Ubuntu, o pacote {debianPackage}; no Windows, {windowsPackage}.',
    en: 'The program {tool} was not found. Install it: on Debian/Ubuntu, the package {debianPackage}; on Windows, {windowsPackage}.',
  },
  DUMP_FAILED: {
    'pt-BR': 'A cópia do banco de dados falhou ({tool}, código {exitCode}, sinal {signal}): {stderr}',
    en: 'The database dump failed ({tool}, exit code {exitCode}, signal {signal}): {stderr}',
  },
  DUMP_EMPTY: {
    'pt-BR': 'A cópia do banco de dados ({tool}) terminou sem produzir nenhum dado; nada foi guardado. Confira o nome do banco.',
    en: 'The database dump ({tool}) finished without producing any data; nothing was stored. Check the database name.',
  },
  DB_FILE_NOT_FOUND: {
    'pt-BR': 'O arquivo do banco de dados {path} não existe. Confira o caminho.',
    en: 'The database file {path} does not exist. Check the path.',
  },
  DB_RESTORE_TARGET_EXISTS: {
    'pt-BR': 'Já existe um banco de dados chamado {database}. A restauração só cria um banco novo; escolha outro nome. Nada foi alterado.',
    en: 'A database named {database} already exists. Restore only creates a new database; choose another name. Nothing was changed.',
  },
  DB_RESTORE_FAILED: {
    'pt-BR': 'A restauração do banco de dados falhou ({tool}, código {exitCode}, sinal {signal}): {stderr}',
    en: 'The database restore failed ({tool}, exit code {exitCode}, signal {signal}): {stderr}',
  },
  EMPTY_SOURCE: {
    'pt-BR': 'A origem {source} não tem nenhum recurso (arquivo vazio ou servidor sem dados). Nenhum ponto de restauração foi gravado. Se isso é esperado, repita com --allow-empty.',
    en: 'Source {source} holds no resources (an empty file or a server without data). No restore point was saved. If that is expected, repeat with --allow-empty.',
  },
  KEYCHAIN_UNAVAILABLE: {
    'pt-BR': 'Nenhum chaveiro do sistema disponível ({reason}). Instale/desbloqueie um chaveiro (ex.: gnome-keyring) ou use --password-file.',
    en: 'No system keychain available ({reason}). Install/unlock a keyring (e.g. gnome-keyring) or use --password-file.',
  },
  KEYCHAIN_LOCKED: {
    'pt-BR': 'O chaveiro do sistema está bloqueado. Desbloqueie-o (entre na sessão) ou use --password-file.',
    en: 'The system keychain is locked. Unlock it (log in) or use --password-file.',
  },
  KEYCHAIN_ENTRY_MISSING: {
    'pt-BR': 'A chave deste repositório sumiu do chaveiro. Reconecte com a chave de recuperação do kit impresso ("connect --recovery-key").',
    en: 'This repository\'s key is missing from the keychain. Reconnect with the recovery key from the printed kit ("connect --recovery-key").',
  },
  SECRET_NOT_FOUND: { 'pt-BR': 'Segredo {name} não encontrado.', en: 'Secret {name} not found.' },
  PASSWORD_FILE_UNREADABLE: {
    'pt-BR': 'Não foi possível ler o arquivo de senha {path}: {reason}',
    en: 'Could not read the password file {path}: {reason}',
  },
  RESTORE_NOT_CONFIRMED: {
    'pt-BR': 'A restauração precisa de confirmação explícita (--yes). Nada foi gravado.',
    en: 'The restore needs explicit confirmation (--yes). Nothing was written.',
  },
  RESTORE_TARGET_NOT_EMPTY: {
    'pt-BR': 'A pasta de destino {path} não está vazia. Use outra pasta ou --overwrite.',
    en: 'Target folder {path} is not empty. Use another folder or --overwrite.',
  },
  RESTORE_TARGET_REJECTED: {
    'pt-BR': 'O servidor de destino recusou {count, plural, one {# recurso} other {# recursos}}; veja o relatório.',
    en: 'The target server rejected {count, plural, one {# resource} other {# resources}}; see the report.',
  },
  CONFIRMATION_MISMATCH: {
    'pt-BR': 'O texto de confirmação não confere. Nada foi feito.',
    en: 'The confirmation text does not match. Nothing was done.',
  },
  RESTORE_FILE_EXISTS: {
    'pt-BR': 'Já existe um arquivo em {path}; a restauração não sobrescreve. Escolha outro local. Nada foi alterado.',
    en: 'A file already exists at {path}; restore does not overwrite. Choose another place. Nothing was changed.',
  },
  BACKUP_SOURCES_FAILED: {
    'pt-BR': 'O backup de {failed} de {total} origens falhou: {sources}. As outras foram copiadas. Veja o histórico de execuções para o motivo de cada uma.',
    en: 'The backup of {failed} of {total} sources failed: {sources}. The others were backed up. See the run history for the reason of each.',
  },
  RESTORE_NAME_CONFLICT: {
    'pt-BR':
      'No destino, "{path}" e "{other}" seriam o mesmo arquivo (o disco não diferencia maiúsculas de minúsculas). A restauração parou sem sobrescrever nada; restaure em outra pasta ou em outro disco.',
    en: 'At the target, "{path}" and "{other}" would be the same file (the disk does not tell upper from lower case). The restore stopped without overwriting anything; restore into another folder or onto another disk.',
  },
  RESTORE_TARGET_FULL: {
    'pt-BR': 'Acabou o espaço em {location} durante a restauração. Os arquivos incompletos foram apagados e nada no backup mudou: libere espaço ou restaure em outro disco.',
    en: '{location} ran out of space during the restore. The incomplete files were removed and nothing in the backup changed: free some space or restore onto another disk.',
  },
  RESTORE_PATH_NOT_FOUND: {
    'pt-BR': 'Não há "{path}" nesta cópia. Veja o conteúdo com ls --path e tente de novo.',
    en: 'There is no "{path}" in this backup. List it with ls --path and try again.',
  },
  CONFIRMATION_REQUIRED: {
    'pt-BR': 'Esta ação ({action}) precisa de confirmação explícita. Nada foi feito.',
    en: 'This action ({action}) needs explicit confirmation. Nothing was done.',
  },
  RETENTION_LEGAL_FLOOR: {
    'pt-BR': 'Recusado: prontuários devem ser guardados por {years} anos, e isso deixaria apagar pontos de restauração desse período.',
    en: 'Refused: medical records must be kept for {years} years, and this would let snapshots from that period be deleted.',
  },
  SCHEDULER_ALREADY_RUNNING: {
    'pt-BR': 'O agendador já está em execução para este repositório (processo {pid}).',
    en: 'The scheduler is already running for this repository (process {pid}).',
  },
  CATALOG_CORRUPT: {
    'pt-BR': 'O catálogo local estava danificado; foi reconstruído a partir do repositório.',
    en: 'The local catalog was damaged; it was rebuilt from the repository.',
  },
  ALERT_CHANNEL_FAILED: {
    'pt-BR': 'Não foi possível enviar o alerta por {channel}: {reason}',
    en: 'Could not send the alert via {channel}: {reason}',
  },
  SMTP_RECIPIENT_UNKNOWN: {
    'pt-BR': 'O endereço de e-mail \'{address}\' não existe: o servidor de e-mail recusou entregar para ele. Confira o campo "Enviar para".',
    en: 'The e-mail address \'{address}\' does not exist: the e-mail server refused to deliver to it. Check the "Send to" field.',
  },
  SMTP_SENDER_REFUSED: {
    'pt-BR': 'O servidor de e-mail não aceita enviar em nome de \'{address}\'. Confira o campo "Remetente" (use o endereço da conta de e-mail).',
    en: "The e-mail server does not accept sending as '{address}'. Check the \"From\" field (use the e-mail account's own address).",
  },
  SMTP_AUTH: {
    'pt-BR': 'O servidor de e-mail {host} recusou o usuário \'{username}\' com essa senha. Confira os campos "Usuário" e "Senha do e-mail".',
    en: 'The e-mail server {host} refused user \'{username}\' with that password. Check the "User name" and "E-mail password" fields.',
  },
  SMTP_UNREACHABLE: {
    'pt-BR': 'O servidor de e-mail {host} não respondeu na porta {port}. Confira os campos "Servidor de e-mail (SMTP)" e "Porta" e a internet da clínica.',
    en: 'The e-mail server {host} did not answer on port {port}. Check the "E-mail server (SMTP)" and "Port" fields and the clinic\'s internet.',
  },
  SMTP_DNS: {
    'pt-BR': 'O servidor de e-mail {host} não foi encontrado. Confira o campo "Servidor de e-mail (SMTP)" (por exemplo smtp.gmail.com).',
    en: 'The e-mail server {host} was not found. Check the "E-mail server (SMTP)" field (for example smtp.gmail.com).',
  },
  SMTP_TLS: {
    'pt-BR': 'A conexão segura com o servidor de e-mail {host} na porta {port} falhou (certificado ou tipo de segurança). Confira os campos "Porta" e "Segurança da conexão".',
    en: 'The secure connection to the e-mail server {host} on port {port} failed (certificate or kind of security). Check the "Port" and "Connection security" fields.',
  },
  UNAUTHORIZED: { 'pt-BR': 'Acesso não autorizado.', en: 'Unauthorized.' },
  FORBIDDEN_ORIGIN: { 'pt-BR': 'Origem não permitida.', en: 'Origin not allowed.' },
  RUN_PARTIAL: {
    'pt-BR': 'Concluído com problemas: {problems, plural, one {# item não foi copiado} other {# itens não foram copiados}}; veja o relatório.',
    en: 'Finished with problems: {problems, plural, one {# item was} other {# items were}} not copied; see the report.',
  },
  CANCELLED: { 'pt-BR': 'Operação cancelada.', en: 'Operation cancelled.' },
  TIMEOUT: { 'pt-BR': 'Tempo esgotado: {what}', en: 'Timed out: {what}' },
  WORKER_FAILED: {
    'pt-BR': 'Uma parte do programa que trabalha em paralelo parou de repente ({reason}). Nada foi gravado pela metade; tente de novo. Se voltar a acontecer, verifique a memória livre do computador.',
    en: "A part of the program that works in parallel stopped suddenly ({reason}). Nothing was left half-written; try again. If it happens again, check the computer's free memory.",
  },
  INTERNAL: {
    'pt-BR': 'Erro interno inesperado: {reason}',
    en: 'Unexpected internal error: {reason}',
  },
};

/**
 * More precise text for some codes, chosen from the error's details: which field of a form is wrong (the access key
 * or the secret key of a bucket) or what an HTTP status means for the clinic's server. The code stays the same.
 */
export const errorVariants: Readonly<
  Partial<Record<ErrorCode, { readonly pick: (details: Readonly<Record<string, unknown>>) => string | null; readonly messages: Readonly<Record<string, Message>> }>>
> = {
  SNAPSHOT_NOT_FOUND: {
    pick: (d) => (typeof d['asOf'] === 'string' ? 'asOf' : null),
    messages: {
      asOf: {
        'pt-BR': 'Nenhuma cópia foi feita até {asOf}. Escolha uma data mais recente (cópias existentes: {suggestions}).',
        en: 'No backup was made up to {asOf}. Choose a later date (existing backups: {suggestions}).',
      },
    },
  },
  S3_AUTH: {
    pick: (d) => (typeof d['field'] === 'string' ? d['field'] : null),
    messages: {
      accessKeyId: {
        'pt-BR': 'O serviço de nuvem não conhece esta chave de acesso. Confira o campo "Chave de acesso (Access key ID)" (copie de novo do painel do provedor).',
        en: 'The cloud service does not know this access key. Check the "Access key ID" field (copy it again from the provider\'s console).',
      },
      secretAccessKey: {
        'pt-BR': 'A chave secreta não combina com a chave de acesso. Confira o campo "Chave secreta (Secret access key)" (copie de novo do painel do provedor).',
        en: 'The secret key does not match the access key. Check the "Secret access key" field (copy it again from the provider\'s console).',
      },
    },
  },
  DEST_OFFLINE: {
    pick: (d) => (typeof d['endpoint'] === 'string' ? 'endpoint' : null),
    messages: {
      endpoint: {
        'pt-BR': 'O serviço de nuvem em {endpoint} não respondeu. Confira o campo "Endereço do serviço" e a internet da clínica.',
        en: 'The cloud service at {endpoint} did not answer. Check the "Service address" field and the clinic\'s internet.',
      },
    },
  },
  SOURCE_HTTP: {
    pick: (d) => {
      const status = Number(d['status']);
      return status === 404 ? 'notFound' : status === 408 || status === 504 ? 'timeout' : status >= 500 ? 'serverError' : null;
    },
    messages: {
      notFound: {
        'pt-BR': 'O servidor da clínica não encontrou {url} (erro 404). Se o endereço do sistema mudou, confira o campo "Endereço do sistema da clínica (servidor FHIR)".',
        en: 'The FHIR server did not find {url} (HTTP 404). If the system\'s address changed, check the "FHIR server address" field.',
      },
      timeout: {
        'pt-BR': 'O servidor da clínica demorou demais para responder em {url} (erro {status}). Tente de novo mais tarde; se continuar, avise o suporte do sistema.',
        en: "The FHIR server took too long to answer at {url} (HTTP {status}). Try again later; if it continues, tell the system's support.",
      },
      serverError: {
        'pt-BR': 'O servidor da clínica teve um problema interno (erro {status}) em {url}. Nada foi perdido; tente de novo mais tarde e, se continuar, avise o suporte do sistema.',
        en: "The FHIR server had an internal problem (HTTP {status}) at {url}. Nothing was lost; try again later and, if it continues, tell the system's support.",
      },
    },
  },
};
