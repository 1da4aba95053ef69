import type { Catalogue } from '../types.js';

/**
 * Text of long operations run as tasks (keys start with "task."): titles, what each progress phase does in plain
 * words, and what a cancelled task leaves behind.
 */
export const tasksMessages: Catalogue = {
  'task.kind.backup': { 'pt-BR': 'Backup', en: 'Backup' },
  'task.kind.restore': { 'pt-BR': 'Restauração', en: 'Restore' },
  'task.kind.check': { 'pt-BR': 'Verificação', en: 'Check' },
  'task.kind.repair': { 'pt-BR': 'Reparo', en: 'Repair' },
  'task.kind.drill': { 'pt-BR': 'Teste de restauração', en: 'Restore drill' },
  'task.kind.replicate': { 'pt-BR': 'Cópia para outro destino', en: 'Copy to another destination' },
  'task.kind.prune': { 'pt-BR': 'Limpeza de dados sem uso', en: 'Removing unused data' },
  'task.kind.migrate': { 'pt-BR': 'Conversão do formato do backup', en: 'Converting the backup format' },
  'task.kind.report': { 'pt-BR': 'Geração de relatório', en: 'Report generation' },
  'task.kind.rebuild': { 'pt-BR': 'Reconstrução do catálogo', en: 'Rebuilding the catalog' },
  'task.kind.other': { 'pt-BR': 'Trabalhando', en: 'Working' },

  'task.title.backup': { 'pt-BR': 'Backup do sistema da clínica', en: 'Backup of the FHIR server' },
  'task.title.backupFiles': { 'pt-BR': 'Backup de arquivos de dados exportados (NDJSON)', en: 'Backup of NDJSON files' },
  'task.title.restoreServer': { 'pt-BR': 'Restauração em outro sistema', en: 'Restore into a FHIR server' },
  'task.title.restoreFolder': { 'pt-BR': 'Restauração em uma pasta', en: 'Restore to a folder' },
  'task.title.restorePlan': { 'pt-BR': 'Preparando a restauração', en: 'Preparing the restore' },
  'task.title.check': { 'pt-BR': 'Verificação do backup', en: 'Checking the backup' },
  'task.title.checkRepair': { 'pt-BR': 'Verificação e reparo do backup', en: 'Checking and repairing the backup' },
  'task.title.repairIndex': { 'pt-BR': 'Reparo do índice', en: 'Repairing the index' },
  'task.title.repairSnapshots': { 'pt-BR': 'Reparo dos pontos de restauração', en: 'Repairing restore points' },
  'task.title.drill': { 'pt-BR': 'Teste de restauração', en: 'Restore drill' },
  'task.title.replicate': { 'pt-BR': 'Cópia para outro destino', en: 'Copy to another destination' },
  'task.title.prune': { 'pt-BR': 'Limpeza de dados sem uso', en: 'Removing unused data' },
  'task.title.migrate': { 'pt-BR': 'Conversão do backup para o formato atual', en: 'Converting the backup to the current format' },
  'task.title.report': { 'pt-BR': 'Geração de relatório', en: 'Generating a report' },

  'task.stalled.server': {
    'pt-BR': 'O servidor não responde há {seconds, plural, one {# segundo} other {# segundos}}; continuando a tentar (você pode cancelar)',
    en: 'The server has not answered for {seconds, plural, one {# second} other {# seconds}}; still trying (you can cancel)',
  },
  'task.phase.backup.export-wait': { 'pt-BR': 'O servidor está preparando a exportação', en: 'The server is preparing the export' },
  'task.phase.backup.download': { 'pt-BR': 'Baixando os dados do servidor', en: 'Downloading the data from the server' },
  'task.phase.backup.search': { 'pt-BR': 'Buscando os registros no servidor', en: 'Fetching the records from the server' },
  'task.phase.backup.history': { 'pt-BR': 'Lendo o histórico do servidor', en: "Reading the server's history" },
  'task.phase.backup.read': { 'pt-BR': 'Lendo e guardando os dados', en: 'Reading and storing the data' },
  'task.phase.backup.attachments': { 'pt-BR': 'Copiando os anexos (exames, imagens)', en: 'Copying attachments (exams, images)' },
  'task.phase.backup.commit': { 'pt-BR': 'Gravando o ponto de restauração', en: 'Saving the restore point' },
  'task.phase.restore.write': { 'pt-BR': 'Gravando os registros', en: 'Writing the records' },
  'task.phase.restore.attachments': { 'pt-BR': 'Gravando os anexos', en: 'Writing the attachments' },
  'task.phase.check.index': { 'pt-BR': 'Lendo o índice', en: 'Reading the index' },
  'task.phase.check.snapshots': { 'pt-BR': 'Conferindo os pontos de restauração', en: 'Checking the restore points' },
  'task.phase.check.read-data': { 'pt-BR': 'Lendo e conferindo os dados', en: 'Reading and verifying the data' },
  'task.phase.check.repair': { 'pt-BR': 'Trazendo arquivos de outra cópia', en: 'Fetching files from another copy' },
  'task.phase.repair.read-headers': { 'pt-BR': 'Lendo os arquivos de dados', en: 'Reading the data files' },
  'task.phase.repair.snapshots': { 'pt-BR': 'Examinando os pontos de restauração', en: 'Examining the restore points' },
  'task.phase.drill.open': { 'pt-BR': 'Abrindo a cópia de backup', en: 'Opening the backup copy' },
  'task.phase.drill.target': { 'pt-BR': 'Preparando o servidor de teste', en: 'Preparing the test server' },
  'task.phase.drill.restore': { 'pt-BR': 'Restaurando no servidor de teste', en: 'Restoring into the test server' },
  'task.phase.drill.validate': { 'pt-BR': 'Conferindo os dados restaurados', en: 'Checking the restored data' },
  'task.phase.drill.done': { 'pt-BR': 'Concluindo', en: 'Finishing' },
  'task.phase.replicate.config': { 'pt-BR': 'Preparando o destino', en: 'Preparing the destination' },
  'task.phase.replicate.keys': { 'pt-BR': 'Copiando as chaves', en: 'Copying the keys' },
  'task.phase.replicate.data': { 'pt-BR': 'Copiando os dados', en: 'Copying the data' },
  'task.phase.replicate.index': { 'pt-BR': 'Copiando o índice', en: 'Copying the index' },
  'task.phase.replicate.snapshots': { 'pt-BR': 'Copiando os pontos de restauração', en: 'Copying the restore points' },
  'task.phase.replicate.audit': { 'pt-BR': 'Copiando o registro de auditoria', en: 'Copying the audit log' },
  'task.phase.prune.mark': { 'pt-BR': 'Examinando o que ainda é usado', en: 'Finding what is still in use' },
  'task.phase.prune.delete': { 'pt-BR': 'Apagando dados sem uso', en: 'Deleting unused data' },
  'task.phase.report.gather': { 'pt-BR': 'Reunindo as informações', en: 'Gathering the information' },
  'task.phase.report.render': { 'pt-BR': 'Montando o documento', en: 'Laying out the document' },

  'task.cancelled.backup': {
    'pt-BR': 'Nada ficou gravado pela metade: os backups anteriores estão intactos e o próximo backup começa normalmente.',
    en: 'Nothing was left half-saved: earlier backups are intact and the next backup starts normally.',
  },
  'task.cancelled.restoreServer': {
    'pt-BR': 'O que já foi gravado no servidor continua lá. Repita a mesma restauração para continuar de onde parou.',
    en: 'What was already written to the server stays there. Run the same restore again to continue where it stopped.',
  },
  'task.cancelled.restoreFolder': {
    'pt-BR': 'Os arquivos gravados até aqui ficam na pasta; o backup não foi alterado. Repita a restauração para completá-la.',
    en: 'Files written so far stay in the folder; the backup was not changed. Run the restore again to complete it.',
  },
  'task.cancelled.readOnly': { 'pt-BR': 'Nada foi alterado.', en: 'Nothing was changed.' },
  'task.cancelled.check': {
    'pt-BR': 'Nada foi alterado no backup. A verificação pode ser feita de novo a qualquer momento.',
    en: 'Nothing was changed in the backup. The check can be run again at any time.',
  },
  'task.cancelled.repair': {
    'pt-BR': 'O que já foi reparado fica reparado; nada ficou pela metade. Repita o reparo para terminar.',
    en: 'What was already repaired stays repaired; nothing was left half-done. Run the repair again to finish.',
  },
  'task.cancelled.drill': {
    'pt-BR': 'O teste foi registrado como interrompido e o servidor de teste foi descartado. O backup não foi alterado.',
    en: 'The drill was recorded as interrupted and the test server was discarded. The backup was not changed.',
  },
  'task.cancelled.replicate': {
    'pt-BR': 'Os arquivos já copiados ficam no destino; a próxima cópia continua de onde parou.',
    en: 'Files already copied stay at the destination; the next copy continues where it stopped.',
  },
  'task.cancelled.prune': {
    'pt-BR': 'Nenhum dado em uso foi apagado; a limpeza pode ser feita de novo depois.',
    en: 'No data in use was deleted; the clean-up can be run again later.',
  },
  'task.cancelled.migrate': {
    'pt-BR': 'A conversão parou num ponto seguro: o backup continua legível e a conversão continua de onde parou na próxima vez.',
    en: 'The conversion stopped at a safe point: the backup stays readable and the conversion continues where it stopped next time.',
  },
  'task.cancelled.report': { 'pt-BR': 'Nenhum relatório foi gerado.', en: 'No report was generated.' },
};
