import type { Catalogue } from '../types.js';

/**
 * Text of src/doctor (keys start with "doctor."): doctor.<check>.title, doctor.<check>.<outcome>, and
 * doctor.fix.<name> (what to do, in plain language). Placeholders without a suffix are the formatted
 * twins of the params (see src/alerts/render.ts): {free} from freeBytes, {age} from ageDays …
 */
export const doctorMessages: Catalogue = {
  'doctor.status.pass': { 'pt-BR': 'OK', en: 'OK' },
  'doctor.status.warn': { 'pt-BR': 'Atenção', en: 'Warning' },
  'doctor.status.fail': { 'pt-BR': 'Falhou', en: 'Failed' },
  'doctor.status.skip': { 'pt-BR': 'Não verificado', en: 'Not checked' },

  // ---------------------------------------------------------------- source
  'doctor.source.reachable.title': { 'pt-BR': 'Servidor FHIR acessível', en: 'FHIR server reachable' },
  'doctor.source.reachable.ok': { 'pt-BR': '{url} respondeu: FHIR {fhirVersion} ({software}).', en: '{url} answered: FHIR {fhirVersion} ({software}).' },
  'doctor.source.reachable.unreachable': { 'pt-BR': '{url} não respondeu.', en: '{url} did not answer.' },
  'doctor.source.reachable.dns': { 'pt-BR': 'O nome {host} não foi encontrado na rede.', en: 'The name {host} was not found on the network.' },
  'doctor.source.reachable.tls': { 'pt-BR': 'A conexão segura com {url} falhou (certificado).', en: 'The secure connection to {url} failed (certificate).' },
  'doctor.source.reachable.notFhir': { 'pt-BR': '{url} respondeu, mas não parece um servidor FHIR.', en: '{url} answered, but it does not look like a FHIR server.' },
  'doctor.source.reachable.version': { 'pt-BR': 'O servidor usa FHIR {version}; é preciso FHIR R4.', en: 'The server uses FHIR {version}; FHIR R4 is needed.' },
  'doctor.source.reachable.http': { 'pt-BR': 'O servidor respondeu com erro HTTP {status}.', en: 'The server answered with HTTP error {status}.' },
  'doctor.source.reachable.badUrl': { 'pt-BR': 'O endereço configurado do servidor não é válido.', en: 'The configured server address is not valid.' },
  'doctor.source.reachable.error': { 'pt-BR': 'Não foi possível consultar {url} ({code}).', en: 'Could not query {url} ({code}).' },

  'doctor.source.authorised.title': { 'pt-BR': 'Acesso autorizado aos dados', en: 'Access to the data authorised' },
  'doctor.source.authorised.ok': { 'pt-BR': 'As credenciais foram aceitas (leitura de {type}).', en: 'The credentials were accepted (read of {type}).' },
  'doctor.source.authorised.open': {
    'pt-BR': 'O servidor entregou dados de {type} sem pedir nenhuma credencial.',
    en: 'The server returned {type} data without asking for any credentials.',
  },
  'doctor.source.authorised.needsCredentials': {
    'pt-BR': 'O servidor pede credenciais (HTTP {status}), mas nenhuma está configurada.',
    en: 'The server asks for credentials (HTTP {status}), but none are configured.',
  },
  'doctor.source.authorised.refused': { 'pt-BR': 'O servidor recusou as credenciais (HTTP {status}).', en: 'The server refused the credentials (HTTP {status}).' },
  'doctor.source.authorised.tokenEndpoint': {
    'pt-BR': 'O serviço de login (token SMART) em {url} não respondeu.',
    en: 'The login service (SMART token) at {url} did not answer.',
  },
  'doctor.source.authorised.badConfig': { 'pt-BR': 'As credenciais configuradas são inválidas ({field}).', en: 'The configured credentials are invalid ({field}).' },
  'doctor.source.authorised.error': { 'pt-BR': 'A leitura de teste falhou ({code}).', en: 'The test read failed ({code}).' },
  'doctor.source.authorised.skipped': { 'pt-BR': 'Não verificado: o servidor não respondeu.', en: 'Not checked: the server did not answer.' },

  'doctor.source.export.title': { 'pt-BR': 'Exportação em lote ($export)', en: 'Bulk export ($export)' },
  'doctor.source.export.ok': { 'pt-BR': 'O servidor oferece $export: backups rápidos.', en: 'The server offers $export: fast backups.' },
  'doctor.source.export.missing': {
    'pt-BR': 'O servidor não oferece $export; o backup usa a leitura página a página, mais lenta (histórico disponível: {history}).',
    en: 'The server does not offer $export; backups read page by page, which is slower (history available: {history}).',
  },
  'doctor.source.export.skipped': { 'pt-BR': 'Não verificado: o servidor não respondeu.', en: 'Not checked: the server did not answer.' },

  'doctor.source.clock.title': { 'pt-BR': 'Relógio deste computador', en: 'Clock of this computer' },
  'doctor.source.clock.ok': { 'pt-BR': 'O relógio confere com o do servidor FHIR (diferença de {skewSeconds} s).', en: 'The clock matches the FHIR server (difference {skewSeconds} s).' },
  'doctor.source.clock.serverAhead': {
    'pt-BR': 'O relógio do servidor FHIR está {skew} à frente deste computador.',
    en: "The FHIR server's clock is {skew} ahead of this computer.",
  },
  'doctor.source.clock.serverBehind': {
    'pt-BR': 'O relógio do servidor FHIR está {skew} atrás deste computador.',
    en: "The FHIR server's clock is {skew} behind this computer.",
  },
  'doctor.source.clock.noDate': { 'pt-BR': 'O servidor não informou a hora (cabeçalho Date).', en: 'The server did not send its time (Date header).' },
  'doctor.source.clock.skipped': { 'pt-BR': 'Não verificado: o servidor não respondeu.', en: 'Not checked: the server did not answer.' },

  // ---------------------------------------------------------- destinations
  'doctor.destination.mounted.title': { 'pt-BR': 'Destino {destination} conectado', en: 'Destination {destination} connected' },
  'doctor.destination.mounted.ok': { 'pt-BR': 'O backup foi encontrado em {path}.', en: 'The backup was found at {path}.' },
  'doctor.destination.mounted.markerMissing': {
    'pt-BR': 'A pasta {path} existe, mas o backup não está nela: o disco ou a pasta de rede provavelmente não está conectado.',
    en: 'Folder {path} exists, but the backup is not in it: the drive or network share is probably not connected.',
  },
  'doctor.destination.mounted.offline': { 'pt-BR': 'A pasta {path} não foi encontrada.', en: 'Folder {path} was not found.' },
  'doctor.destination.mounted.permission': { 'pt-BR': 'Sem permissão para abrir {path}.', en: 'No permission to open {path}.' },
  'doctor.destination.mounted.error': { 'pt-BR': 'Não foi possível abrir {path} ({code}).', en: 'Could not open {path} ({code}).' },

  'doctor.destination.writable.title': { 'pt-BR': 'Gravação em {destination}', en: 'Writing to {destination}' },
  'doctor.destination.writable.ok': { 'pt-BR': 'Um arquivo de teste foi gravado e apagado em {path}.', en: 'A test file was written to and removed from {path}.' },
  'doctor.destination.writable.permission': { 'pt-BR': 'Sem permissão para gravar em {path}.', en: 'No permission to write to {path}.' },
  'doctor.destination.writable.readonly': { 'pt-BR': '{path} está somente leitura.', en: '{path} is read-only.' },
  'doctor.destination.writable.full': { 'pt-BR': 'Não há espaço para gravar em {path}.', en: 'There is no space left to write to {path}.' },
  'doctor.destination.writable.error': { 'pt-BR': 'A gravação de teste em {path} falhou ({code}).', en: 'The test write to {path} failed ({code}).' },
  'doctor.destination.writable.skipped': { 'pt-BR': 'Não verificado: o destino não está conectado.', en: 'Not checked: the destination is not connected.' },

  'doctor.destination.space.title': { 'pt-BR': 'Espaço livre em {destination}', en: 'Free space on {destination}' },
  'doctor.destination.space.ok': { 'pt-BR': '{free} livres de {total} ({used} em uso).', en: '{free} free of {total} ({used} used).' },
  'doctor.destination.space.filling': {
    'pt-BR': '{used} em uso, acima de {limitPercent}%: restam {free} de {total}.',
    en: '{used} used, above {limitPercent}%: {free} left of {total}.',
  },
  'doctor.destination.space.almostFull': {
    'pt-BR': 'Quase cheio: restam {free} de {total} ({used} em uso; mínimo {minFree}).',
    en: 'Almost full: {free} left of {total} ({used} used; minimum {minFree}).',
  },
  'doctor.destination.space.unknown': { 'pt-BR': 'O tamanho do destino não pôde ser lido.', en: 'The size of the destination could not be read.' },
  'doctor.destination.space.error': { 'pt-BR': 'Não foi possível ler o espaço livre ({code}).', en: 'Could not read the free space ({code}).' },
  'doctor.destination.space.skipped': { 'pt-BR': 'Não verificado: o destino não está conectado.', en: 'Not checked: the destination is not connected.' },

  'doctor.destination.s3.reachable.title': { 'pt-BR': 'Armazenamento externo {destination}', en: 'Off-site storage {destination}' },
  'doctor.destination.s3.reachable.ok': { 'pt-BR': 'O backup foi encontrado em {location}.', en: 'The backup was found at {location}.' },
  'doctor.destination.s3.reachable.offline': { 'pt-BR': 'O serviço de armazenamento não respondeu.', en: 'The storage service did not answer.' },
  'doctor.destination.s3.reachable.auth': { 'pt-BR': 'As credenciais de acesso ao bucket {bucket} foram recusadas.', en: 'The access credentials for bucket {bucket} were refused.' },
  'doctor.destination.s3.reachable.denied': {
    'pt-BR': 'As credenciais não têm permissão para {operation} no bucket {bucket}.',
    en: 'The credentials are not allowed to {operation} on bucket {bucket}.',
  },
  'doctor.destination.s3.reachable.bucketMissing': { 'pt-BR': 'O bucket {bucket} não existe.', en: 'Bucket {bucket} does not exist.' },
  'doctor.destination.s3.reachable.markerMissing': {
    'pt-BR': 'O bucket {bucket} responde, mas o backup não está nele (prefixo errado?).',
    en: 'Bucket {bucket} answers, but the backup is not in it (wrong prefix?).',
  },
  'doctor.destination.s3.reachable.clockSkew': {
    'pt-BR': 'O serviço recusou o pedido porque o relógio deste computador está errado.',
    en: "The service refused the request because this computer's clock is wrong.",
  },
  'doctor.destination.s3.reachable.region': { 'pt-BR': 'O bucket {bucket} não está na região configurada ({configured}).', en: 'Bucket {bucket} is not in the configured region ({configured}).' },
  'doctor.destination.s3.reachable.error': { 'pt-BR': 'Não foi possível acessar o bucket {bucket} ({code}).', en: 'Could not access bucket {bucket} ({code}).' },

  'doctor.destination.s3.region.title': { 'pt-BR': 'Região do armazenamento {destination}', en: 'Region of storage {destination}' },
  'doctor.destination.s3.region.ok': { 'pt-BR': 'O bucket {bucket} está na região configurada ({actual}).', en: 'Bucket {bucket} is in the configured region ({actual}).' },
  'doctor.destination.s3.region.mismatch': {
    'pt-BR': 'O bucket {bucket} está na região {actual}, mas a configurada é {configured}.',
    en: 'Bucket {bucket} is in region {actual}, but {configured} is configured.',
  },
  'doctor.destination.s3.region.differs': {
    'pt-BR': 'O serviço informa a região {actual} para o bucket {bucket}; a configurada é {configured}.',
    en: 'The service reports region {actual} for bucket {bucket}; {configured} is configured.',
  },
  'doctor.destination.s3.region.unknown': { 'pt-BR': 'O serviço não informa a região do bucket.', en: 'The service does not report the bucket region.' },
  'doctor.destination.s3.region.skipped': { 'pt-BR': 'Não verificado: o bucket não respondeu.', en: 'Not checked: the bucket did not answer.' },

  // -------------------------------------------------------- this computer
  'doctor.keychain.title': { 'pt-BR': 'Chaveiro do sistema', en: 'System keychain' },
  'doctor.keychain.ok': { 'pt-BR': 'O chaveiro guarda e devolve segredos normalmente.', en: 'The keychain stores and returns secrets normally.' },
  'doctor.keychain.notUsed': { 'pt-BR': 'Os segredos ficam em outro lugar ({store}); o chaveiro não é usado.', en: 'Secrets are kept elsewhere ({store}); the keychain is not used.' },
  'doctor.keychain.locked': { 'pt-BR': 'O chaveiro do sistema está bloqueado.', en: 'The system keychain is locked.' },
  'doctor.keychain.unavailable': { 'pt-BR': 'Nenhum chaveiro do sistema disponível: {reason}.', en: 'No system keychain available: {reason}.' },

  'doctor.schedule.title': { 'pt-BR': 'Backups automáticos', en: 'Automatic backups' },
  'doctor.schedule.ok': { 'pt-BR': 'O agendador está rodando (processo {pid}); próxima execução: {next}.', en: 'The scheduler is running (process {pid}); next run: {next}.' },
  'doctor.schedule.running': { 'pt-BR': 'O agendador está rodando (processo {pid}, desde {started}).', en: 'The scheduler is running (process {pid}, since {started}).' },
  'doctor.schedule.otherHost': { 'pt-BR': 'O agendador roda em outro computador ({host}).', en: 'The scheduler runs on another computer ({host}).' },
  'doctor.schedule.notRunning': { 'pt-BR': 'O agendador não está rodando: nenhum backup automático vai acontecer.', en: 'The scheduler is not running: no automatic backup will happen.' },
  'doctor.schedule.stale': {
    'pt-BR': 'O agendador parou de forma inesperada (processo {pid} não existe mais).',
    en: 'The scheduler stopped unexpectedly (process {pid} no longer exists).',
  },
  'doctor.schedule.unreadable': { 'pt-BR': 'O estado do agendador não pôde ser lido.', en: 'The scheduler state could not be read.' },
  'doctor.schedule.paused': { 'pt-BR': 'Os backups automáticos estão pausados.', en: 'Automatic backups are paused.' },
  'doctor.schedule.noJobs': { 'pt-BR': 'Nenhum backup está agendado.', en: 'No backup is scheduled.' },
  'doctor.schedule.overdue': {
    'pt-BR': '"{job}" deveria ter rodado em {due} e está {late} atrasado.',
    en: '"{job}" was due on {due} and is {late} late.',
  },
  'doctor.schedule.error': { 'pt-BR': 'Não foi possível verificar o agendador ({code}).', en: 'Could not check the scheduler ({code}).' },

  'doctor.drill.title': { 'pt-BR': 'Teste de restauração', en: 'Restore drill' },
  'doctor.drill.ok': { 'pt-BR': 'Último teste em {lastDrill}, há {age} (combinado: a cada {interval}).', en: 'Last drill on {lastDrill}, {age} ago (plan: every {interval}).' },
  'doctor.drill.overdue': {
    'pt-BR': 'O último teste foi em {lastDrill}, há {age}; o combinado é a cada {interval}.',
    en: 'The last drill was on {lastDrill}, {age} ago; the plan is every {interval}.',
  },
  'doctor.drill.never': { 'pt-BR': 'Nenhum teste de restauração foi feito ainda.', en: 'No restore drill has been done yet.' },

  'doctor.recoveryKit.title': { 'pt-BR': 'Kit de recuperação', en: 'Recovery kit' },
  'doctor.recoveryKit.ok': { 'pt-BR': 'O kit de recuperação impresso foi confirmado.', en: 'The printed recovery kit was confirmed.' },
  'doctor.recoveryKit.okSince': { 'pt-BR': 'O kit de recuperação impresso foi confirmado em {confirmed}.', en: 'The printed recovery kit was confirmed on {confirmed}.' },
  'doctor.recoveryKit.notConfirmed': {
    'pt-BR': 'O kit de recuperação ainda não foi confirmado: sem ele, perder este computador pode significar perder o acesso aos backups.',
    en: 'The recovery kit has not been confirmed: without it, losing this computer can mean losing access to the backups.',
  },

  // ------------------------------------------------------------------ fixes
  'doctor.fix.sourceUnreachable': {
    'pt-BR': 'Confira se o servidor do prontuário está ligado e se este computador está na mesma rede (cabo ou Wi-Fi). Se o endereço mudou, corrija-o nas configurações.',
    en: 'Check that the records server is on and that this computer is on the same network (cable or Wi-Fi). If its address changed, fix it in the settings.',
  },
  'doctor.fix.sourceDns': {
    'pt-BR': 'Confira o nome do servidor nas configurações; se não tiver certeza, use o endereço IP informado pelo fornecedor do prontuário.',
    en: 'Check the server name in the settings; if unsure, use the IP address given by the records software vendor.',
  },
  'doctor.fix.sourceTls': {
    'pt-BR': 'O certificado do servidor não é confiável para este computador. Peça ao fornecedor do prontuário um certificado válido ou instale o certificado da clínica neste computador.',
    en: "The server's certificate is not trusted by this computer. Ask the records software vendor for a valid certificate, or install the clinic's certificate on this computer.",
  },
  'doctor.fix.sourceNotFhir': {
    'pt-BR': 'O endereço aponta para outra coisa. Peça ao fornecedor o endereço base FHIR (normalmente termina em /fhir ou /fhir/r4).',
    en: 'The address points to something else. Ask the vendor for the FHIR base address (usually ending in /fhir or /fhir/r4).',
  },
  'doctor.fix.sourceVersion': {
    'pt-BR': 'Peça ao fornecedor o endereço FHIR R4 (versão 4.0) do servidor.',
    en: "Ask the vendor for the server's FHIR R4 (version 4.0) address.",
  },
  'doctor.fix.sourceHttp': {
    'pt-BR': 'O servidor está com problema. Tente de novo em alguns minutos; se continuar, avise o fornecedor do prontuário.',
    en: 'The server has a problem. Try again in a few minutes; if it persists, tell the records software vendor.',
  },
  'doctor.fix.sourceBadUrl': {
    'pt-BR': 'Corrija o endereço do servidor nas configurações: ele deve começar com http:// ou https:// e não conter usuário nem senha.',
    en: 'Fix the server address in the settings: it must start with http:// or https:// and contain no user name or password.',
  },
  'doctor.fix.sourceNeedsCredentials': {
    'pt-BR': 'Cadastre as credenciais de acesso fornecidas pelo fornecedor do prontuário nas configurações da fonte de dados.',
    en: 'Enter the access credentials given by the records software vendor in the data source settings.',
  },
  'doctor.fix.sourceCredentials': {
    'pt-BR':
      'Confira usuário, senha ou token nas configurações da fonte de dados; se mudaram, peça novas credenciais ao fornecedor do prontuário. A conta precisa de permissão de leitura de todos os dados.',
    en: 'Check the user, password or token in the data source settings; if they changed, ask the vendor for new ones. The account needs read access to all data.',
  },
  'doctor.fix.sourceTokenEndpoint': {
    'pt-BR': 'O serviço de login do prontuário está fora do ar ou o endereço mudou. Tente de novo mais tarde ou peça o endereço correto ao fornecedor.',
    en: "The records software's login service is down or its address changed. Try again later or ask the vendor for the right address.",
  },
  'doctor.fix.sourceOpen': {
    'pt-BR': 'Qualquer pessoa na rede pode ler os prontuários. Peça ao fornecedor para exigir login no acesso FHIR e cadastre as credenciais aqui.',
    en: 'Anyone on the network can read the records. Ask the vendor to require a login for FHIR access and enter the credentials here.',
  },
  'doctor.fix.exportMissing': {
    'pt-BR': 'O backup funciona assim mesmo, só mais devagar. Se possível, peça ao fornecedor para habilitar o FHIR Bulk Data ($export).',
    en: 'Backups still work, only slower. If possible, ask the vendor to enable FHIR Bulk Data ($export).',
  },
  'doctor.fix.clockSkew': {
    'pt-BR':
      'Acerte o relógio: no Windows, Configurações → Hora e idioma → "Sincronizar agora"; no Linux, "timedatectl set-ntp true". Se este computador estiver certo, avise o responsável pelo servidor. Relógios errados quebram o login e o envio para a nuvem.',
    en: 'Fix the clock: on Windows, Settings → Time & language → "Sync now"; on Linux, "timedatectl set-ntp true". If this computer is right, tell whoever runs the server. Wrong clocks break logins and uploads to the cloud.',
  },
  'doctor.fix.markerMissing': {
    'pt-BR': 'Conecte o disco de backup (ou reconecte a pasta de rede do NAS) e rode o diagnóstico de novo. Não inicie um backup novo nessa pasta vazia.',
    en: 'Connect the backup drive (or reconnect the NAS network share) and run the diagnostics again. Do not start a new backup in that empty folder.',
  },
  'doctor.fix.destOffline': {
    'pt-BR': 'Conecte o disco ou a pasta de rede e confira se o caminho nas configurações está certo (a letra do disco pode ter mudado).',
    en: 'Connect the drive or network share and check that the path in the settings is right (the drive letter may have changed).',
  },
  'doctor.fix.destPermission': {
    'pt-BR': 'Dê permissão de leitura e gravação nessa pasta para o usuário que roda o Clinic Backup (no NAS: permissões da pasta compartilhada).',
    en: 'Give the user that runs Clinic Backup read and write permission on that folder (on a NAS: the shared folder permissions).',
  },
  'doctor.fix.destReadonly': {
    'pt-BR': 'O disco está protegido contra gravação ou foi montado só para leitura. Destrave-o ou reconecte-o com gravação.',
    en: 'The drive is write-protected or was mounted read-only. Unlock it or reconnect it with write access.',
  },
  'doctor.fix.destFull': {
    'pt-BR': 'Libere espaço ou troque por um disco maior agora: o próximo backup pode falhar. Se a retenção permitir, rode a limpeza de pontos de restauração antigos (prune).',
    en: 'Free up space or move to a larger disk now: the next backup may fail. If retention allows, run the clean-up of old snapshots (prune).',
  },
  'doctor.fix.destFilling': {
    'pt-BR': 'Planeje a troca por um disco maior ou revise a política de retenção; a guarda legal mínima nunca é apagada.',
    en: 'Plan a move to a larger disk or review the retention policy; the legal minimum is never deleted.',
  },
  'doctor.fix.s3Offline': {
    'pt-BR': 'Confira a conexão com a internet e o endereço do serviço de armazenamento nas configurações.',
    en: 'Check the internet connection and the storage service address in the settings.',
  },
  'doctor.fix.s3Auth': {
    'pt-BR': 'As chaves de acesso do armazenamento estão erradas ou expiraram. Gere novas chaves no painel do provedor e cadastre-as de novo.',
    en: "The storage access keys are wrong or expired. Create new keys in the provider's console and enter them again.",
  },
  'doctor.fix.s3Denied': {
    'pt-BR': 'A chave de acesso não tem as permissões necessárias no bucket. Ajuste a política de acesso no painel do provedor (veja docs/offsite.md).',
    en: "The access key lacks the permissions needed on the bucket. Adjust the access policy in the provider's console (see docs/offsite.md).",
  },
  'doctor.fix.s3BucketMissing': {
    'pt-BR': 'Confira o nome do bucket nas configurações ou crie-o no painel do provedor, na região certa.',
    en: "Check the bucket name in the settings, or create it in the provider's console in the right region.",
  },
  'doctor.fix.s3MarkerMissing': {
    'pt-BR': 'Confira o prefixo (pasta) do backup nas configurações. Se o backup foi apagado do bucket, recrie a cópia externa a partir da cópia local.',
    en: 'Check the backup prefix (folder) in the settings. If the backup was deleted from the bucket, recreate the off-site copy from the local one.',
  },
  'doctor.fix.s3Region': {
    'pt-BR': 'Corrija a região nas configurações para a região real do bucket. Dados de saúde devem ficar no Brasil (LGPD) salvo autorização explícita.',
    en: "Set the region in the settings to the bucket's real region. Health data must stay in Brazil (LGPD) unless explicitly authorised.",
  },
  'doctor.fix.s3RegionOther': {
    'pt-BR': 'Em serviços compatíveis com S3 a região informada pode ser só um nome. Confirme com o provedor onde os dados ficam fisicamente e ajuste a região se precisar.',
    en: 'On S3-compatible services the reported region may be just a name. Confirm with the provider where the data physically is, and adjust the region if needed.',
  },
  'doctor.fix.keychainLocked': {
    'pt-BR': 'Desbloqueie o chaveiro (entre na sessão do usuário) ou use um arquivo de senha (--password-file) neste computador.',
    en: 'Unlock the keychain (log in to the user session) or use a password file (--password-file) on this computer.',
  },
  'doctor.fix.keychainMissing': {
    'pt-BR': 'Este computador não tem um chaveiro ativo. Instale e inicie um (por exemplo gnome-keyring) ou use um arquivo de senha (--password-file).',
    en: 'This computer has no running keychain. Install and start one (e.g. gnome-keyring) or use a password file (--password-file).',
  },
  'doctor.fix.keychainBroken': {
    'pt-BR': 'Reinicie a sessão do usuário. Se continuar, use um arquivo de senha (--password-file) e avise o suporte.',
    en: 'Restart the user session. If it persists, use a password file (--password-file) and contact support.',
  },
  'doctor.fix.startScheduler': {
    'pt-BR': 'Abra o Clinic Backup (ou inicie o serviço "clinic-backup serve") e deixe-o iniciar junto com o computador.',
    en: 'Open Clinic Backup (or start the "clinic-backup serve" service) and let it start with the computer.',
  },
  'doctor.fix.resumeSchedule': { 'pt-BR': 'Retome os backups automáticos no menu do Clinic Backup.', en: 'Resume automatic backups from the Clinic Backup menu.' },
  'doctor.fix.configureSchedule': {
    'pt-BR': 'Configure a agenda de backups (por exemplo o padrão: local a cada 15 minutos, externo a cada hora).',
    en: 'Set up the backup schedule (e.g. the default: local every 15 minutes, off-site every hour).',
  },
  'doctor.fix.restartScheduler': {
    'pt-BR': 'Feche e abra de novo o Clinic Backup. Se o computador esteve desligado, o backup perdido roda logo em seguida.',
    en: 'Close and reopen Clinic Backup. If the computer was off, the missed backup runs right after.',
  },
  'doctor.fix.runDrill': {
    'pt-BR': 'Rode um teste de restauração agora (clinic-backup drill). Ele usa um servidor de ensaio e não mexe nos dados reais.',
    en: 'Run a restore drill now (clinic-backup drill). It uses a sandbox server and does not touch the real data.',
  },
  'doctor.fix.confirmKit': {
    'pt-BR': 'Imprima o kit de recuperação, guarde-o longe do computador e confirme as palavras pedidas em Configurações → Kit de recuperação.',
    en: 'Print the recovery kit, keep it away from the computer and confirm the words asked for in Settings → Recovery kit.',
  },
};
