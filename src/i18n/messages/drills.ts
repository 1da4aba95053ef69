import type { Catalogue } from '../types.js';

/** Text of src/drills (keys start with "drills."). Next steps are written for a clinic's staff, not for IT. */
export const drillsMessages: Catalogue = {
  // ---- status
  'drills.proof.filesRestored': {
    'pt-BR': '{restored} de {sampled} arquivos sorteados (de {total}) restaurados numa pasta temporária',
    en: '{restored} of {sampled} sampled files (of {total}) restored into a temporary folder',
  },
  'drills.proof.chunksVerified': {
    'pt-BR': 'cada pedaço dos {files} arquivos conferido com a sua impressão digital ao ser lido',
    en: 'every piece of the {files} files checked against its fingerprint as it was read',
  },
  'drills.proof.sizesMatch': { 'pt-BR': '{files} arquivos com o tamanho exato gravado no backup', en: '{files} files with the exact size recorded in the backup' },
  'drills.proof.hashesMatchOriginals': {
    'pt-BR': '{equal} de {compared} arquivos idênticos (SHA-256) ao original, que não mudou desde o backup',
    en: '{equal} of {compared} files identical (SHA-256) to the original, unchanged since the backup',
  },
  'drills.proof.dbRestored': { 'pt-BR': 'exportação do banco ({engine}) restaurada num banco descartável', en: 'database dump ({engine}) restored into a throw-away database' },
  'drills.proof.dbIntegrity': { 'pt-BR': 'verificação de integridade do banco restaurado aprovada', en: 'integrity check of the restored database passed' },
  'drills.proof.dbSanityQuery': { 'pt-BR': 'consulta de conferência: {tables} tabelas, {rows} linhas', en: 'sanity query: {tables} tables, {rows} rows' },
  'drills.proof.dbToolsMissing': {
    'pt-BR': 'os programas do banco ({engine}) não estão instalados neste computador: a exportação não pôde ser restaurada aqui',
    en: 'the database programs ({engine}) are not installed on this computer: the dump could not be restored here',
  },
  'drills.proof.dbNoServer': { 'pt-BR': 'nenhum servidor {engine} configurado para o teste de restauração', en: 'no {engine} server configured to restore the test copy on' },
  'drills.proof.dbDumpReadable': {
    'pt-BR': 'a exportação do banco ({engine}, {bytes} bytes) foi lida por inteiro e conferida',
    en: 'the database dump ({engine}, {bytes} bytes) was read in full and verified',
  },
  'drills.status.success': { 'pt-BR': 'Teste de recuperação aprovado', en: 'Restore drill passed' },
  'drills.status.partial': { 'pt-BR': 'Teste de recuperação aprovado com ressalvas', en: 'Restore drill passed with caveats' },
  'drills.status.failed': { 'pt-BR': 'Teste de recuperação falhou', en: 'Restore drill failed' },
  'drills.status.interrupted': { 'pt-BR': 'Teste de recuperação interrompido', en: 'Restore drill interrupted' },

  // ---- progress phases
  'drills.phase.open': { 'pt-BR': 'Abrindo a cópia de backup', en: 'Opening the backup copy' },
  'drills.phase.target': { 'pt-BR': 'Preparando o servidor de teste', en: 'Preparing the test server' },
  'drills.phase.restore': { 'pt-BR': 'Restaurando no servidor de teste', en: 'Restoring into the test server' },
  'drills.phase.validate': { 'pt-BR': 'Conferindo os dados restaurados', en: 'Checking the restored data' },
  'drills.phase.counts': { 'pt-BR': 'Conferindo as quantidades por tipo', en: 'Checking counts per type' },
  'drills.phase.content': { 'pt-BR': 'Comparando cada registro com o backup', en: 'Comparing each record with the backup' },
  'drills.phase.references': { 'pt-BR': 'Conferindo as ligações entre registros', en: 'Checking links between records' },
  'drills.phase.compartments': { 'pt-BR': 'Conferindo prontuários completos (amostra)', en: 'Checking complete patient records (sample)' },
  'drills.phase.done': { 'pt-BR': 'Concluído', en: 'Done' },

  // ---- which copy was read
  'drills.copy.fallbackUsed': {
    'pt-BR': 'A cópia "{label}" não pôde ser lida ({reason}); o teste usou a cópia "{used}", como permitido nas configurações.',
    en: 'The "{label}" copy could not be read ({reason}); the drill used the "{used}" copy, as the settings allow.',
  },
  'drills.copy.fallbackRefused': {
    'pt-BR': 'A cópia "{label}" não pôde ser lida ({reason}). O uso de outra cópia não está permitido nas configurações, então o teste parou.',
    en: 'The "{label}" copy could not be read ({reason}). Using another copy is not allowed in the settings, so the drill stopped.',
  },

  // ---- due state (reminders and the overdue alert come from src/alerts)
  'drills.due.reminder': { 'pt-BR': 'O teste de recuperação mensal vence em {date}.', en: 'The monthly restore drill is due on {date}.' },
  'drills.due.now': { 'pt-BR': 'Está na hora do teste de recuperação mensal.', en: 'The monthly restore drill is due now.' },
  'drills.due.overdue': { 'pt-BR': 'O teste de recuperação está atrasado desde {date}.', en: 'The restore drill is overdue since {date}.' },

  // ---- next steps, one per kind of failure
  'drills.next.repositoryDamaged': {
    'pt-BR':
      'parte do backup está danificada (arquivo {file}). Rode "clinic-backup check --read-data" e depois "clinic-backup check --repair" para trocar o arquivo por uma cópia boa de outro destino. Faça um backup completo hoje.',
    en: 'part of the backup is damaged (file {file}). Run "clinic-backup check --read-data", then "clinic-backup check --repair" to replace the file with a good copy from another destination. Take a full backup today.',
  },
  'drills.next.repositoryMissing': {
    'pt-BR': 'falta um arquivo do backup ({file}). Rode "clinic-backup check" e "clinic-backup check --repair"; depois faça um backup completo.',
    en: 'a backup file is missing ({file}). Run "clinic-backup check" and "clinic-backup check --repair"; then take a full backup.',
  },
  'drills.next.repositoryUnavailable': {
    'pt-BR': 'a cópia de backup não pôde ser aberta. Verifique se o NAS, o disco USB ou a internet estão disponíveis e repita o teste.',
    en: 'the backup copy could not be opened. Check that the NAS, the USB disk or the internet connection is available and repeat the drill.',
  },
  'drills.next.copyOffline': {
    'pt-BR': 'o destino está fora do ar ou desconectado. Verifique a internet (nuvem) ou se o NAS/disco está ligado e conectado, e repita o teste.',
    en: 'the destination is offline or disconnected. Check the internet connection (cloud) or that the NAS/disk is on and connected, and repeat the drill.',
  },
  'drills.next.snapshotNotFound': {
    'pt-BR': 'o ponto de restauração pedido não existe nesta cópia. Escolha outro na lista (clinic-backup snapshots) ou rode "clinic-backup replicate" para atualizar a cópia.',
    en: 'the requested snapshot is not in this copy. Pick another from the list (clinic-backup snapshots) or run "clinic-backup replicate" to bring the copy up to date.',
  },
  'drills.next.restoreRejected': {
    'pt-BR': 'o servidor de teste recusou alguns registros. Os backups em si não foram afetados; envie este relatório ao suporte.',
    en: 'the test server refused some records. The backups themselves are not affected; send this report to support.',
  },
  'drills.next.targetFailed': {
    'pt-BR': 'o servidor de teste parou de responder. Reinicie o computador, verifique o espaço livre em disco e repita o teste.',
    en: 'the test server stopped answering. Restart the computer, check the free disk space and repeat the drill.',
  },
  'drills.next.targetNotEmpty': {
    'pt-BR': 'o servidor de teste já tinha dados. Use um servidor de teste vazio (ou o servidor embutido) e repita o teste.',
    en: 'the test server already held data. Use an empty test server (or the built-in one) and repeat the drill.',
  },
  'drills.next.countMismatch': {
    'pt-BR': 'faltaram registros depois da restauração. Rode "clinic-backup check --read-data"; se não houver erro, faça um backup completo e repita o teste.',
    en: 'records were missing after the restore. Run "clinic-backup check --read-data"; if it finds nothing, take a full backup and repeat the drill.',
  },
  'drills.next.attachmentMismatch': {
    'pt-BR': 'um anexo (PDF, imagem) não voltou igual ao guardado, ou o link dele não abre. Rode "clinic-backup check --read-data" e chame o suporte com este relatório.',
    en: 'an attachment (PDF, image) did not come back equal to what was stored, or its link does not open. Run "clinic-backup check --read-data" and call support with this report.',
  },
  'drills.next.contentMismatch': {
    'pt-BR': 'registros voltaram diferentes do que foi guardado. Rode "clinic-backup check --read-data" e chame o suporte com este relatório.',
    en: 'records came back different from what was stored. Run "clinic-backup check --read-data" and call support with this report.',
  },
  'drills.next.referenceNotRestored': {
    'pt-BR': 'registros apontam para outros que estavam no backup mas não voltaram. Veja as outras falhas deste relatório: corrigindo-as, isto some.',
    en: 'records point to others that were in the backup but did not come back. See the other failures in this report: fixing them fixes this.',
  },
  'drills.next.referenceNotInBackup': {
    'pt-BR':
      'registros apontam para outros que não estão no backup. Faça um backup completo (reconciliação) e repita; se continuar, o próprio servidor da clínica tem ligações quebradas: avise o fornecedor do sistema.',
    en: 'records point to others that are not in the backup. Take a full backup (reconciliation) and repeat; if it persists, the clinic server itself has broken links: tell the system vendor.',
  },
  'drills.next.compartmentIncomplete': {
    'pt-BR': 'o prontuário de alguns pacientes da amostra voltou incompleto. Faça um backup completo e repita o teste; se os mesmos pacientes falharem, chame o suporte.',
    en: 'some sampled patients\u2019 records came back incomplete. Take a full backup and repeat the drill; if the same patients fail again, call support.',
  },
  'drills.next.rtoExceeded': {
    'pt-BR': 'a recuperação levou mais tempo que a meta. Mantenha uma cópia local (NAS ou disco USB) e confira a velocidade da internet; informe o responsável técnico.',
    en: 'the recovery took longer than the target. Keep a local copy (NAS or USB disk) and check the internet speed; tell the person responsible for IT.',
  },
  'drills.next.interrupted': {
    'pt-BR': 'o teste foi interrompido. Deixe o computador ligado (e na tomada) e rode o teste de novo.',
    en: 'the drill was interrupted. Leave the computer on (and plugged in) and run the drill again.',
  },
  'drills.next.emptySnapshot': {
    'pt-BR': 'o backup testado não tem nenhum registro, então o teste não prova nada. Confira a fonte configurada e faça um backup.',
    en: 'the tested backup holds no records, so the drill proves nothing. Check the configured source and take a backup.',
  },
  'drills.next.other': {
    'pt-BR': 'repita o teste; se falhar de novo, envie este relatório ao suporte.',
    en: 'repeat the drill; if it fails again, send this report to support.',
  },
};
