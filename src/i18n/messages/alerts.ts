import type { Catalogue } from '../types.js';

/**
 * Text of src/alerts (keys start with "alerts."). Per rule: title, messages and fix ("what to do").
 * Placeholders without a suffix are the formatted twins of the params (see src/alerts/render.ts):
 * {lastSuccess} from lastSuccessAt, {age} from ageMinutes/ageDays, {rpo} from rpoMinutes, {free} from freeBytes …
 */
export const alertsMessages: Catalogue = {
  'alerts.severity.low': { 'pt-BR': 'Baixa', en: 'Low' },
  'alerts.severity.medium': { 'pt-BR': 'Média', en: 'Medium' },
  'alerts.severity.high': { 'pt-BR': 'Alta', en: 'High' },
  'alerts.severity.critical': { 'pt-BR': 'Crítica', en: 'Critical' },

  'alerts.duration.minute': { 'pt-BR': '{n} minuto', en: '{n} minute' },
  'alerts.duration.minutes': { 'pt-BR': '{n} minutos', en: '{n} minutes' },
  'alerts.duration.hours': { 'pt-BR': '{n} horas', en: '{n} hours' },
  'alerts.duration.days': { 'pt-BR': '{n} dias', en: '{n} days' },

  'alerts.stale.title': { 'pt-BR': 'Backup atrasado em {destination}', en: 'Backup overdue on {destination}' },
  'alerts.stale.message': {
    'pt-BR': 'O último backup bem-sucedido em {destination} foi em {lastSuccess}, há {age}. O limite combinado (RPO) é de {rpo}.',
    en: 'The last successful backup to {destination} was on {lastSuccess}, {age} ago. The agreed limit (RPO) is {rpo}.',
  },
  'alerts.stale.never': {
    'pt-BR': 'Ainda não houve nenhum backup bem-sucedido em {destination}. O limite combinado (RPO) é de {rpo}.',
    en: 'There has not been any successful backup to {destination} yet. The agreed limit (RPO) is {rpo}.',
  },
  'alerts.stale.fix': {
    'pt-BR':
      'Confira se o computador do backup está ligado e se o Clinic Backup está aberto, e clique em "Fazer backup agora". Se falhar de novo, abra o Diagnóstico (clinic-backup doctor) e siga o que ele indicar.',
    en: 'Check that the backup computer is on and Clinic Backup is running, then click "Back up now". If it fails again, open Diagnostics (clinic-backup doctor) and follow what it says.',
  },

  'alerts.failed.title': { 'pt-BR': 'Backup falhou em {destination}', en: 'Backup failed on {destination}' },
  'alerts.failed.message': {
    'pt-BR': '{failures, plural, one {# tentativa de backup em {destination} falhou} other {# tentativas seguidas de backup em {destination} falharam}}; a última em {failed} (código {errorCode}).',
    en: '{failures, plural, one {# backup attempt to {destination} failed} other {# backup attempts in a row to {destination} failed}}; the last one on {failed} (code {errorCode}).',
  },
  'alerts.failed.fix': {
    'pt-BR': 'Veja o motivo no histórico e rode o Diagnóstico (clinic-backup doctor). O próximo backup agendado tentará de novo sozinho.',
    en: 'See the reason in the history and run Diagnostics (clinic-backup doctor). The next scheduled backup will try again by itself.',
  },

  'alerts.partial.title': { 'pt-BR': 'Backup incompleto em {destination}', en: 'Incomplete backup on {destination}' },
  'alerts.partial.message': {
    'pt-BR':
      'O backup de {partial} em {destination} NÃO copiou tudo: {problems, plural, one {# parte não pôde ser lida} other {# partes não puderam ser lidas}} ({missing}). O ponto de restauração {snapshot} está incompleto.',
    en: 'The backup of {partial} to {destination} did NOT back up everything: {problems, plural, one {# part} other {# parts}} could not be read ({missing}). Restore point {snapshot} is incomplete.',
  },
  'alerts.partial.fix': {
    'pt-BR':
      'Veja no histórico o que falhou (servidor FHIR fora do ar, arquivos de exportação com erro) e rode "Fazer backup agora". O próximo backup é completo. Se repetir, abra o Diagnóstico (clinic-backup doctor).',
    en: 'See in the history what failed (FHIR server down, export files with errors) and run "Back up now". The next backup makes a complete copy. If it happens again, open Diagnostics (clinic-backup doctor).',
  },

  'alerts.shrink.title': { 'pt-BR': 'Muito menos dados que antes em {source}', en: 'Far less data than before from {source}' },
  'alerts.shrink.message': {
    'pt-BR': 'O ponto de restauração {snapshot} de {shrink} tem {resources} recursos; o anterior tinha {previousResources} ({dropPercent}% a menos). Possível exclusão, ransomware ou servidor errado.',
    en: 'Restore point {snapshot} of {shrink} holds {resources} resources; the previous one held {previousResources} ({dropPercent}% fewer). Possible deletion, ransomware or wrong server.',
  },
  'alerts.shrink.fix': {
    'pt-BR':
      'Confira no sistema da clínica se os dados sumiram de verdade e se o endereço do servidor está certo. Não apague nada: o ponto de restauração anterior é mantido e serve para restaurar. Avise o responsável técnico.',
    en: "Check in the clinic's system whether the data is really gone and whether the server address is right. Do not delete anything: the previous restore point is kept and can be restored. Tell your technical contact.",
  },

  'alerts.integrity.title': { 'pt-BR': 'Problema de integridade na cópia em {destination}', en: 'Integrity problem in the copy on {destination}' },
  'alerts.integrity.message': {
    'pt-BR':
      'A verificação de {checked} encontrou {problems, plural, one {# problema} other {# problemas}} na cópia em {destination} (código {errorCode}). Parte dos dados dessa cópia pode não ser recuperável.',
    en: 'The check of {checked} found {problems, plural, one {# problem} other {# problems}} in the copy on {destination} (code {errorCode}). Some data in that copy may not be recoverable.',
  },
  'alerts.integrity.fix': {
    'pt-BR': 'Não apague nenhuma cópia. Repare a partir de outra cópia (clinic-backup check --heal); se não houver outra, faça um backup completo novo o quanto antes. Avise o responsável técnico.',
    en: 'Do not delete any copy. Repair from another copy (clinic-backup check --heal); if there is none, make a new full backup as soon as possible. Tell your technical contact.',
  },

  'alerts.disk.title': { 'pt-BR': '{destination} está quase cheio', en: '{destination} is almost full' },
  'alerts.disk.message': {
    'pt-BR': '{destination} está com {used} de uso (livre: {free} de {total}). O limite de alerta é {limitPercent}%.',
    en: '{destination} is {used} full ({free} free of {total}). The alert limit is {limitPercent}%.',
  },
  'alerts.disk.fix': {
    'pt-BR': 'Libere espaço ou troque por um disco maior. Se a política de retenção permitir, rode a limpeza de pontos de restauração antigos (prune): a guarda legal mínima nunca é apagada.',
    en: 'Free up space or move to a larger disk. If the retention policy allows, run the clean-up of old snapshots (prune): the legal minimum is never deleted.',
  },

  'alerts.offsite.title': { 'pt-BR': 'Cópia externa atrasada em {destination}', en: 'Off-site copy behind on {destination}' },
  'alerts.offsite.message': {
    'pt-BR': 'A cópia fora da clínica em {destination} tem dados de {newestCopied}, há {lag}; o limite combinado é de {rpo}.',
    en: 'The off-site copy on {destination} holds data from {newestCopied}, {lag} ago; the agreed limit is {rpo}.',
  },
  'alerts.offsite.never': {
    'pt-BR': 'Nenhuma cópia chegou ainda a {destination} (fora da clínica); o limite combinado é de {rpo}.',
    en: 'No copy has reached {destination} (off-site) yet; the agreed limit is {rpo}.',
  },
  'alerts.offsite.fix': {
    'pt-BR': 'Confira a internet e as credenciais do armazenamento externo e rode "Replicar agora". Sem uma cópia externa em dia, um incêndio ou roubo na clínica pode levar todos os dados.',
    en: 'Check the internet connection and the off-site storage credentials, then run "Replicate now". Without an up-to-date off-site copy, a fire or theft at the clinic can take all the data.',
  },

  'alerts.drill.title': { 'pt-BR': 'Teste de restauração atrasado', en: 'Restore drill overdue' },
  'alerts.drill.message': {
    'pt-BR': 'O último teste de restauração foi em {lastDrill}, há {age}; o combinado é a cada {interval}.',
    en: 'The last restore drill was on {lastDrill}, {age} ago; the plan is every {interval}.',
  },
  'alerts.drill.never': {
    'pt-BR': 'Nenhum teste de restauração foi feito ainda; o combinado é a cada {interval}.',
    en: 'No restore drill has been done yet; the plan is every {interval}.',
  },
  'alerts.drill.fix': {
    'pt-BR': 'Clique em "Testar restauração" (clinic-backup drill). O teste usa um servidor de ensaio e não mexe nos dados reais.',
    en: 'Click "Run restore drill" (clinic-backup drill). The drill uses a sandbox server and does not touch the real data.',
  },

  'alerts.usb.title': { 'pt-BR': 'Disco USB {drive} sem rodízio', en: 'USB drive {drive} not rotated' },
  'alerts.usb.message': {
    'pt-BR': 'O disco {drive} não é trocado desde {lastRotated}, há {age}; o combinado é a cada {every}.',
    en: 'Drive {drive} has not been swapped in since {lastRotated}, {age} ago; the plan is every {every}.',
  },
  'alerts.usb.never': {
    'pt-BR': 'O disco {drive} ainda não entrou no rodízio; o combinado é trocar a cada {every}.',
    en: 'Drive {drive} has not been part of the rotation yet; the plan is to swap every {every}.',
  },
  'alerts.usb.fix': {
    'pt-BR': 'Conecte o disco que está guardado fora da clínica e leve o disco atual para fora, como combinado.',
    en: 'Connect the drive kept away from the clinic and take the current one off-site, as planned.',
  },

  'alerts.kit.title': { 'pt-BR': 'Kit de recuperação não confirmado', en: 'Recovery kit not confirmed' },
  'alerts.kit.message': {
    'pt-BR': 'O kit de recuperação impresso (chave de 32 palavras) ainda não foi confirmado. Sem ele, se este computador for perdido, os backups não poderão ser abertos.',
    en: 'The printed recovery kit (32-word key) has not been confirmed yet. Without it, if this computer is lost, the backups cannot be opened.',
  },
  'alerts.kit.fix': {
    'pt-BR': 'Imprima o kit em Configurações → Kit de recuperação, guarde-o em local seguro longe do computador e confirme as palavras pedidas.',
    en: 'Print the kit from Settings → Recovery kit, keep it somewhere safe away from the computer and confirm the words asked for.',
  },

  'alerts.audit.title': { 'pt-BR': 'Registro de auditoria não gravado', en: 'Audit log not saved' },
  'alerts.audit.message': {
    'pt-BR':
      '{count, plural, one {# registro do histórico de auditoria não pôde ser gravado} other {# registros do histórico de auditoria não puderam ser gravados}} desde {firstFailed} ({code}). Eles estão guardados neste computador e serão gravados assim que possível.',
    en: '{count, plural, one {# audit log entry} other {# audit log entries}} could not be saved since {firstFailed} ({code}). They are kept on this computer and will be saved as soon as possible.',
  },
  'alerts.audit.fix': {
    'pt-BR': 'Verifique se o local do backup está conectado e com espaço livre; o registro é gravado de novo a cada operação.',
    en: 'Check that the backup location is connected and has free space; the log is written again with every operation.',
  },

  'alerts.copy.title': { 'pt-BR': 'A cópia {destination} não foi atualizada', en: 'The copy {destination} was not updated' },
  'alerts.copy.fix': {
    'pt-BR': 'Veja em Destinos o que a cópia respondeu e rode "Fazer backup agora" depois de corrigir. Se continuar, abra o Diagnóstico (clinic-backup doctor).',
    en: 'See under Destinations what the copy answered and run "Back up now" once it is fixed. If it goes on, open Diagnostics (clinic-backup doctor).',
  },
  'alerts.copy.full.usb': { 'pt-BR': 'O disco USB {destination} está cheio: a cópia não foi gravada.', en: 'The USB drive {destination} is full: the copy was not written.' },
  'alerts.copy.full.disk': { 'pt-BR': 'O disco da cópia {destination} está cheio: a cópia não foi gravada.', en: 'The disk of the copy {destination} is full: the copy was not written.' },
  'alerts.copy.full.s3': { 'pt-BR': 'A nuvem {destination} recusou a cópia por falta de espaço.', en: 'The cloud copy {destination} refused the copy for lack of space.' },
  'alerts.copy.full.usb.fix': {
    'pt-BR': 'Troque por um disco USB maior ou peça ao responsável de TI para liberar espaço; depois clique em "Fazer backup agora".',
    en: 'Swap in a bigger USB drive or ask the IT helper to free space; then click "Back up now".',
  },
  'alerts.copy.full.disk.fix': {
    'pt-BR': 'Peça ao responsável de TI para liberar espaço no disco da cópia; depois clique em "Fazer backup agora".',
    en: 'Ask the IT helper to free space on the copy\'s disk; then click "Back up now".',
  },
  'alerts.copy.full.s3.fix': {
    'pt-BR': 'Aumente o espaço contratado na nuvem com o provedor; depois clique em "Fazer backup agora".',
    en: 'Raise the bucket\'s quota with the provider; then click "Back up now".',
  },
  'alerts.copy.readonly.usb': {
    'pt-BR': 'O disco USB {destination} está protegido contra gravação: a cópia não foi gravada.',
    en: 'The USB drive {destination} is write-protected: the copy was not written.',
  },
  'alerts.copy.readonly.disk': {
    'pt-BR': 'A pasta da cópia {destination} não aceita gravação: a cópia não foi gravada.',
    en: 'The folder of the copy {destination} does not accept writes: the copy was not written.',
  },
  'alerts.copy.readonly.s3': {
    'pt-BR': 'A nuvem {destination} recusou a gravação (permissão): a cópia não foi gravada.',
    en: 'The cloud copy {destination} refused the write (permission): the copy was not written.',
  },
  'alerts.copy.readonly.usb.fix': {
    'pt-BR': 'Verifique a trava de proteção do disco USB ou conecte outro disco da clínica; depois clique em "Fazer backup agora".',
    en: 'Check the USB drive\'s write-protect switch or plug in another of the clinic\'s drives; then click "Back up now".',
  },
  'alerts.copy.marker.usb': { 'pt-BR': 'O disco USB {destination} não é o da clínica ou não está montado.', en: "The USB drive {destination} is not the clinic's or is not mounted." },
  'alerts.copy.marker.disk': {
    'pt-BR': 'A pasta {destination} não é a cópia da clínica ou o disco não está montado.',
    en: "The folder {destination} is not the clinic's copy or the disk is not mounted.",
  },
  'alerts.copy.marker.s3': { 'pt-BR': 'O espaço na nuvem {destination} não guarda a cópia da clínica.', en: "The bucket {destination} does not hold the clinic's copy." },
  'alerts.copy.marker.usb.fix': {
    'pt-BR': 'Conecte o disco USB da clínica (com a etiqueta do Clinic Backup) e clique em "Fazer backup agora".',
    en: 'Plug in the clinic\'s USB drive (labelled for Clinic Backup) and click "Back up now".',
  },
  'alerts.copy.offline.disk': { 'pt-BR': 'A cópia {destination} não está acessível (rede ou disco desligado).', en: 'The copy {destination} cannot be reached (network or disk off).' },
  'alerts.copy.offline.s3': { 'pt-BR': 'A nuvem {destination} não respondeu: a cópia não foi gravada.', en: 'The cloud copy {destination} did not answer: the copy was not written.' },
  'alerts.copy.failed.usb': { 'pt-BR': 'A cópia no disco USB {destination} falhou (código {errorCode}).', en: 'The copy on the USB drive {destination} failed (code {errorCode}).' },
  'alerts.copy.failed.disk': { 'pt-BR': 'A cópia {destination} falhou (código {errorCode}).', en: 'The copy {destination} failed (code {errorCode}).' },
  'alerts.copy.failed.s3': { 'pt-BR': 'A cópia na nuvem {destination} falhou (código {errorCode}).', en: 'The cloud copy {destination} failed (code {errorCode}).' },

  'alerts.drillfail.title': { 'pt-BR': 'O teste de restauração falhou', en: 'The restore test failed' },
  'alerts.drillfail.fix': {
    'pt-BR':
      'Abra "Testes de restauração", leia o relatório do teste (ele diz o que fazer) e rode o teste de novo. Se falhar outra vez, chame o responsável de TI: um backup que não restaura não protege a clínica.',
    en: 'Open "Restore tests", read the test\'s report (it says what to do) and run the test again. If it fails again, call the IT helper: a backup that does not restore does not protect the clinic.',
  },
  'alerts.drillfail.files': {
    'pt-BR': 'O teste de restauração de {drill} não conseguiu trazer de volta, iguais aos originais, os arquivos das pastas "{source}".',
    en: 'The restore test of {drill} could not bring back the files of the folders "{source}" identical to the originals.',
  },
  'alerts.drillfail.database': {
    'pt-BR': 'O teste de restauração de {drill} não conseguiu recuperar o banco de dados "{source}" numa cópia de teste.',
    en: 'The restore test of {drill} could not recover the database "{source}" into a test copy.',
  },
  'alerts.drillfail.count-mismatch': {
    'pt-BR': 'O teste de restauração de {drill} não trouxe de volta todos os registros de {resourceType}.',
    en: 'The restore test of {drill} did not bring back every {resourceType} record.',
  },
  'alerts.drillfail.content-mismatch': {
    'pt-BR': 'No teste de restauração de {drill}, registros de {resourceType} voltaram diferentes do que foi guardado.',
    en: 'In the restore test of {drill}, {resourceType} records came back different from what was stored.',
  },
  'alerts.drillfail.unresolved-reference': {
    'pt-BR': 'No teste de restauração de {drill}, registros de {resourceType} apontam para dados que não voltaram.',
    en: 'In the restore test of {drill}, {resourceType} records point to data that did not come back.',
  },
  'alerts.drillfail.compartment-incomplete': {
    'pt-BR': 'No teste de restauração de {drill}, o prontuário de algum paciente voltou incompleto.',
    en: "In the restore test of {drill}, a patient's record came back incomplete.",
  },
  'alerts.drillfail.restore-rejected': {
    'pt-BR': 'No teste de restauração de {drill}, o servidor de ensaio recusou registros de {resourceType}.',
    en: 'In the restore test of {drill}, the test server refused {resourceType} records.',
  },
  'alerts.drillfail.repository-error': {
    'pt-BR': 'O teste de restauração de {drill} não conseguiu ler o backup (código {errorCode}).',
    en: 'The restore test of {drill} could not read the backup (code {errorCode}).',
  },
  'alerts.drillfail.sandbox-error': {
    'pt-BR': 'O teste de restauração de {drill} não conseguiu usar o servidor de ensaio (código {errorCode}).',
    en: 'The restore test of {drill} could not use the test server (code {errorCode}).',
  },
  'alerts.drillfail.rto-exceeded': {
    'pt-BR': 'O teste de restauração de {drill} demorou mais que o tempo máximo combinado.',
    en: 'The restore test of {drill} took longer than the agreed maximum time.',
  },
  'alerts.drillfail.interrupted': { 'pt-BR': 'O teste de restauração de {drill} foi interrompido antes de terminar.', en: 'The restore test of {drill} was stopped before it finished.' },
  'alerts.drillfail.other': { 'pt-BR': 'O teste de restauração de {drill} falhou (código {errorCode}).', en: 'The restore test of {drill} failed (code {errorCode}).' },

  'alerts.test.title': { 'pt-BR': 'Alerta de teste', en: 'Test alert' },
  'alerts.test.message': {
    'pt-BR': 'Este é um alerta de teste do Clinic Backup. Se você recebeu esta mensagem, os alertas estão chegando.',
    en: 'This is a test alert from Clinic Backup. If you received this message, alerts are getting through.',
  },
  'alerts.test.fix': { 'pt-BR': 'Nada a fazer.', en: 'Nothing to do.' },

  'alerts.email.subject': { 'pt-BR': '[Clinic Backup] {severity}: {title} — {clinic}', en: '[Clinic Backup] {severity}: {title} — {clinic}' },
  'alerts.email.subjectTest': { 'pt-BR': '[Clinic Backup] Alerta de teste — {clinic}', en: '[Clinic Backup] Test alert — {clinic}' },
  'alerts.email.subjectResolved': { 'pt-BR': '[Clinic Backup] RESOLVIDO: {title} — {clinic}', en: '[Clinic Backup] RESOLVED: {title} — {clinic}' },
  'alerts.email.resolvedBadge': { 'pt-BR': 'RESOLVIDO', en: 'RESOLVED' },
  'alerts.email.resolved': { 'pt-BR': 'Resolvido', en: 'Resolved' },
  'alerts.email.resolvedValue': { 'pt-BR': 'em {at}; nada mais a fazer.', en: 'on {at}; nothing more to do.' },
  'alerts.email.whatWas': { 'pt-BR': 'O que tinha acontecido', en: 'What had happened' },
  'alerts.email.what': { 'pt-BR': 'O que aconteceu', en: 'What happened' },
  'alerts.email.since': { 'pt-BR': 'Desde quando', en: 'Since' },
  'alerts.email.sinceValue': { 'pt-BR': '{since} (há {ago})', en: '{since} ({ago} ago)' },
  'alerts.email.todo': { 'pt-BR': 'O que fazer', en: 'What to do' },
  'alerts.email.clinic': { 'pt-BR': 'Clínica', en: 'Clinic' },
  'alerts.email.source': { 'pt-BR': 'Fonte de dados', en: 'Data source' },
  'alerts.email.severity': { 'pt-BR': 'Gravidade', en: 'Severity' },
  'alerts.email.footer': {
    'pt-BR': 'Enviado automaticamente pelo Clinic Backup em {sent}. Referência: {key}.',
    en: 'Sent automatically by Clinic Backup on {sent}. Reference: {key}.',
  },
};
