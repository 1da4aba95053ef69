import type { Catalogue } from '../types.js';

/** Text printed by the command-line front end (keys start with "cli."). */
export const cliMessages: Catalogue = {
  'cli.nodeAdvice': {
    'pt-BR': 'Aviso: o Node.js {version} não recebe mais correções de segurança; instale o Node.js 22 LTS (o Clinic Backup continua funcionando até lá).',
    en: 'Note: Node.js {version} no longer receives security fixes; install Node.js 22 LTS (Clinic Backup keeps working until then).',
  },
  'cli.cancelled': {
    'pt-BR': 'Operação cancelada (Ctrl+C). O repositório está intacto: o que estava pela metade não vale e a próxima execução continua normalmente.',
    en: 'Operation cancelled (Ctrl+C). The repository is intact: the unfinished part does not count and the next run continues normally.',
  },
  'cli.restore.cancelledServer': {
    'pt-BR': 'O servidor {target} pode ter recebido só parte dos recursos. Rode o mesmo comando de novo: a restauração continua de onde parou.',
    en: 'The server {target} may have received only part of the resources. Run the same command again: the restore continues where it stopped.',
  },
  'cli.restore.cancelledFolder': {
    'pt-BR': 'A pasta {target} pode ter ficado com só parte dos arquivos: apague-a ou escolha outra pasta antes de restaurar de novo.',
    en: 'The folder {target} may hold only part of the files: delete it or choose another folder before restoring again.',
  },
  'cli.cancelling': {
    'pt-BR': 'Cancelando… (aguarde o ponto seguro; Ctrl+C de novo encerra na hora)',
    en: 'Cancelling… (waiting for a safe point; Ctrl+C again stops at once)',
  },
  'cli.cancelForced': {
    'pt-BR': 'Encerrado na hora (segundo Ctrl+C). O repositório continua seguro; se uma trava ficou, ela expira sozinha.',
    en: 'Stopped at once (second Ctrl+C). The repository is still safe; a lock left behind expires by itself.',
  },
  'cli.error': { 'pt-BR': 'Erro ({code}): {message}', en: 'Error ({code}): {message}' },
  'cli.unknownCommand': { 'pt-BR': 'comando desconhecido "{command}"', en: 'unknown command "{command}"' },
  'cli.missingRepo': { 'pt-BR': 'informe --repo ou CLINIC_BACKUP_REPO', en: 'give --repo or CLINIC_BACKUP_REPO' },
  'cli.missingArg': { 'pt-BR': 'falta {what}', en: 'missing {what}' },
  'cli.init.done': {
    'pt-BR': 'Repositório {id} criado em {location}.',
    en: 'Repository {id} created at {location}.',
  },
  'cli.init.slots': { 'pt-BR': 'Chaves: {slots}', en: 'Keys: {slots}' },
  'cli.recovery.title': {
    'pt-BR': 'CHAVE DE RECUPERAÇÃO — imprima e guarde em local seguro, longe deste computador. Para imprimir o mesmo kit de novo: clinic-backup recovery-kit --pdf kit.pdf',
    en: 'RECOVERY KEY — print it and keep it somewhere safe, away from this computer. To print the same kit again: clinic-backup recovery-kit --pdf kit.pdf',
  },
  'cli.recovery.reprint': {
    'pt-BR': 'CHAVE DE RECUPERAÇÃO ATUAL — as mesmas palavras do kit já impresso; imprimir de novo não muda nada.',
    en: 'CURRENT RECOVERY KEY — the same words as the kit already printed; printing again changes nothing.',
  },
  'cli.kit.rotateWarning': {
    'pt-BR':
      'recovery-kit rotate cria uma chave de recuperação NOVA: o kit que você já imprimiu deixa de funcionar e precisa ser destruído e trocado pelo novo. Para reimprimir o mesmo kit, use "recovery-kit --pdf ARQUIVO". Para trocar mesmo assim, repita com --yes.',
    en: 'recovery-kit rotate makes a NEW recovery key: the kit you already printed stops working and must be destroyed and replaced by the new one. To print the same kit again, use "recovery-kit --pdf FILE". To replace it anyway, repeat with --yes.',
  },
  'cli.kit.rotated': {
    'pt-BR': 'Chave de recuperação trocada. O papel antigo NÃO funciona mais: imprima esta nova chave, guarde-a e destrua o kit antigo.',
    en: 'Recovery key replaced. The old paper NO LONGER works: print this new key, store it and destroy the old kit.',
  },
  'cli.recovery.repo': { 'pt-BR': 'Repositório: {id}  Local: {location}', en: 'Repository: {id}  Location: {location}' },
  'cli.backup.done': {
    'pt-BR': 'Ponto de restauração {id} gravado: {resources} recursos ({added} novos, {changed} alterados, {deleted} removidos), {stored} adicionados ao repositório em {seconds} s.',
    en: 'Snapshot {id} saved: {resources} resources ({added} new, {changed} changed, {deleted} deleted), {stored} added to the repository in {seconds} s.',
  },
  'cli.onePath': { 'pt-BR': 'use --path uma vez só aqui', en: 'give --path only once here' },
  'cli.ls.truncated': { 'pt-BR': 'Mostrando os primeiros {count}; use --path ou --query para ver menos.', en: 'Showing the first {count}; use --path or --query to see fewer.' },
  'cli.backup.dbDone': {
    'pt-BR': 'Ponto de restauração {id} gravado: {label}, {file} ({bytes}, feito com {tool}), {stored} adicionados ao repositório em {seconds} s.',
    en: 'Snapshot {id} saved: {label}, {file} ({bytes}, made with {tool}), {stored} added to the repository in {seconds} s.',
  },
  'cli.restore.dbDone': { 'pt-BR': 'Banco restaurado em {into} ({bytes}) a partir do ponto {id}.', en: 'Database restored into {into} ({bytes}) from snapshot {id}.' },
  'cli.sources.none': {
    'pt-BR': 'Nenhuma origem configurada. Adicione com: sources add --name <nome> --path <pasta>',
    en: 'No source configured. Add one with: sources add --name <name> --path <folder>',
  },
  'cli.sources.kind.fhir': { 'pt-BR': 'servidor FHIR', en: 'FHIR server' },
  'cli.sources.kind.folders': { 'pt-BR': 'pastas', en: 'folders' },
  'cli.sources.kind.database': { 'pt-BR': 'banco de dados', en: 'database' },
  'cli.sources.added': { 'pt-BR': 'Origem "{name}" adicionada; o backup agendado passa a incluí-la.', en: 'Source "{name}" added; the scheduled backup now includes it.' },
  'cli.sources.removed': { 'pt-BR': 'Origem "{name}" removida; os pontos de restauração dela continuam no repositório.', en: 'Source "{name}" removed; its snapshots stay in the repository.' },
  'cli.sources.backedUp': { 'pt-BR': '{name}: ponto de restauração {id} gravado.', en: '{name}: snapshot {id} saved.' },
  'cli.drill.source': {
    'pt-BR': 'Teste de recuperação {id} de "{source}": {status} em {seconds} s. O que foi comprovado:',
    en: 'Restore drill {id} of "{source}": {status} in {seconds} s. What was proven:',
  },
  'cli.backup.filesDone': {
    'pt-BR': 'Ponto de restauração {id} gravado: {files} arquivos ({read} lidos, {unchanged} sem mudança desde o último backup), {stored} adicionados ao repositório em {seconds} s.',
    en: 'Snapshot {id} saved: {files} files ({read} read, {unchanged} unchanged since the last backup), {stored} added to the repository in {seconds} s.',
  },
  'cli.backup.fileProblems': {
    'pt-BR': '{count, plural, one {# arquivo não foi copiado} other {# arquivos não foram copiados}} por inteiro (veja abaixo); o resto foi copiado.',
    en: '{count, plural, one {# file was} other {# files were}} not backed up in full (see below); the rest was backed up.',
  },
  'cli.restore.filesPlan': {
    'pt-BR':
      'Plano: restaurar "{path}" do ponto {id} ({time}) em {target}: {files, plural, one {# arquivo} other {# arquivos}}, {dirs, plural, one {# pasta} other {# pastas}}, {symlinks, plural, one {# atalho} other {# atalhos}}, {bytes}.',
    en: 'Plan: restore "{path}" of snapshot {id} ({time}) to {target}: {files, plural, one {# file} other {# files}}, {dirs, plural, one {# folder} other {# folders}}, {symlinks, plural, one {# link} other {# links}}, {bytes}.',
  },
  'cli.restore.filesExisting': {
    'pt-BR': '{count, plural, one {# arquivo já existe no destino e seria sobrescrito} other {# arquivos já existem no destino e seriam sobrescritos}}:',
    en: '{count, plural, one {# file already exists at the target and would be overwritten} other {# files already exist at the target and would be overwritten}}:',
  },
  'cli.restore.filesNeedOverwrite': {
    'pt-BR': 'Nada foi gravado. Para sobrescrever, repita com --overwrite --yes; ou escolha outra pasta com --target.',
    en: 'Nothing was written. To overwrite, repeat with --overwrite --yes; or choose another folder with --target.',
  },
  'cli.restore.filesDone': {
    'pt-BR': '{files, plural, one {# arquivo restaurado} other {# arquivos restaurados}} ({bytes}) em {target}.',
    en: '{files, plural, one {# file restored} other {# files restored}} ({bytes}) to {target}.',
  },
  'cli.restore.filesChanged': {
    'pt-BR':
      'Atenção: {count, plural, one {# arquivo estava sendo alterado durante a cópia e pode estar incompleto} other {# arquivos estavam sendo alterados durante a cópia e podem estar incompletos}}:',
    en: 'Note: {count, plural, one {# file was changing during the backup and may be inconsistent} other {# files were changing during the backup and may be inconsistent}}:',
  },
  'cli.backup.partial': {
    'pt-BR': 'Atenção: {count, plural, one {# linha não pôde ser lida} other {# linhas não puderam ser lidas}}; o ponto de restauração está INCOMPLETO:',
    en: 'Warning: {count, plural, one {# line} other {# lines}} could not be read; the snapshot is INCOMPLETE:',
  },
  'cli.snapshots.header': { 'pt-BR': 'ID        Data/hora ({zone})  Recursos  Tamanho    Origem', en: 'ID        Time ({zone})       Resources  Size       Source' },
  'cli.snapshots.partial': { 'pt-BR': 'INCOMPLETO', en: 'INCOMPLETE' },
  'cli.snapshots.suspicious': { 'pt-BR': 'SUSPEITO: {drop}% menos recursos', en: 'SUSPICIOUS: {drop}% fewer resources' },
  'cli.snapshots.repaired': {
    'pt-BR': 'reparado de {id}; {lost, plural, one {# recurso perdido} other {# recursos perdidos}}',
    en: 'repaired from {id}; {lost, plural, one {# resource} other {# resources}} lost',
  },
  'cli.backup.suspicious': {
    'pt-BR':
      'ATENÇÃO: este ponto de restauração tem {now} recursos; o anterior ({previous}) tinha {before} ({drop}% a menos). Possível exclusão, ransomware ou servidor errado. Ele foi marcado como suspeito e o anterior será mantido.',
    en: 'WARNING: this snapshot holds {now} resources; the previous one ({previous}) held {before} ({drop}% fewer). Possible deletion, ransomware or wrong server. It is marked suspicious and the previous one will be kept.',
  },
  'cli.missingTypes': {
    'pt-BR': 'Observação: o ponto de restauração não tem recursos do tipo {types}.',
    en: 'Note: the snapshot holds no resources of type {types}.',
  },
  'cli.plan.folderHeader': {
    'pt-BR': 'Plano: ponto de restauração {id} ({time}) → pasta {target}. Nada foi gravado.',
    en: 'Plan: snapshot {id} ({time}) → folder {target}. Nothing has been written.',
  },
  'cli.plan.folderTotals': { 'pt-BR': 'Total: {resources} recursos ({bytes}).', en: 'Total: {resources} resources ({bytes}).' },
  'cli.status.noNext': { 'pt-BR': 'nenhum (o agendador não está rodando)', en: 'none (the scheduler is not running)' },
  'cli.status.schedulerRunning': { 'pt-BR': 'Agendador: rodando (processo {pid} em {host}, desde {since}).', en: 'Scheduler: running (process {pid} on {host}, since {since}).' },
  'cli.status.schedulerStopped': {
    'pt-BR': 'Agendador: NÃO está rodando — os backups automáticos não acontecem (clinic-backup run-scheduler, ou o aplicativo aberto).',
    en: 'Scheduler: NOT running — automatic backups do not happen (clinic-backup run-scheduler, or the desktop app open).',
  },
  'cli.snapshots.none': { 'pt-BR': 'Nenhum ponto de restauração ainda.', en: 'No snapshots yet.' },
  'cli.check.ok': {
    'pt-BR': 'Verificação OK: {snapshots} pontos de restauração, {packs} arquivos de dados, {blobs} blocos; {packsRead} arquivos lidos ({read}).',
    en: 'Check OK: {snapshots} snapshots, {packs} data files, {blobs} blobs; {packsRead} files read ({read}).',
  },
  'cli.check.failed': {
    'pt-BR': 'Verificação encontrou {count, plural, one {# problema} other {# problemas}}:',
    en: 'Check found {count, plural, one {# problem} other {# problems}}:',
  },
  'cli.check.problem': { 'pt-BR': '  ✗ {file}: {reason}', en: '  ✗ {file}: {reason}' },
  'cli.check.affects': { 'pt-BR': '    pontos de restauração afetados: {snapshots}', en: '    snapshots affected: {snapshots}' },
  'cli.check.resources': { 'pt-BR': '    recursos afetados: {resources}', en: '    resources affected: {resources}' },
  'cli.restore.needConfirm': {
    'pt-BR': 'Isto vai gravar {target}. Repita com --yes para confirmar.',
    en: 'This will write to {target}. Repeat with --yes to confirm.',
  },
  'cli.restore.done': {
    'pt-BR': 'Restaurados {resources} recursos ({bytes}) do ponto de restauração {id} em {target}.',
    en: 'Restored {resources} resources ({bytes}) from snapshot {id} to {target}.',
  },
  'cli.restore.failures': {
    'pt-BR': '{count, plural, one {# recurso não pôde ser restaurado} other {# recursos não puderam ser restaurados}}:',
    en: '{count, plural, one {# resource} other {# resources}} could not be restored:',
  },
  'cli.plan.header': {
    'pt-BR': 'Plano de restauração: ponto {id} ({time}) → {target} [{server}]. Ordem (* = crítico, disponível primeiro):',
    en: 'Restore plan: snapshot {id} ({time}) → {target} [{server}]. Order (* = critical, available first):',
  },
  'cli.plan.totals': {
    'pt-BR': 'Total: {resources} recursos ({bytes}); {existing} já existem no destino e serão substituídos pela versão do backup.',
    en: 'Total: {resources} resources ({bytes}); {existing} already exist on the target and will be replaced by the backup version.',
  },
  'cli.plan.newer': {
    'pt-BR': 'ATENÇÃO: {count, plural, one {# recurso no destino é MAIS NOVO que o backup e seria substituído} other {# recursos no destino são MAIS NOVOS que o backup e seriam substituídos}}:',
    en: 'WARNING: {count, plural, one {# resource on the target is} other {# resources on the target are}} NEWER than the backup and would be replaced:',
  },
  'cli.plan.dangling': {
    'pt-BR': '{count, plural, one {# referência} other {# referências}} para fora do paciente (não {count, plural, one {será restaurada} other {serão restauradas}}):',
    en: '{count, plural, one {# reference} other {# references}} outside the patient (not restored):',
  },
  'cli.restore.serverDone': {
    'pt-BR': 'Restaurados {resources} recursos em {target} em {seconds} s ({skipped} já feitos numa tentativa anterior).',
    en: 'Restored {resources} resources into {target} in {seconds} s ({skipped} done by an earlier attempt).',
  },
  'cli.restore.critical': {
    'pt-BR': 'Dados críticos (pacientes, alergias) disponíveis após {seconds} s.',
    en: 'Critical data (patients, allergies) available after {seconds} s.',
  },
  'cli.restore.verified': {
    'pt-BR': 'Conferência: {checked} recursos lidos de volta, {mismatches, plural, one {# diferença} other {# diferenças}}.',
    en: 'Verification: {checked} resources read back, {mismatches, plural, one {# mismatch} other {# mismatches}}.',
  },
  'cli.catalog.rebuilt': {
    'pt-BR': 'Catálogo local reconstruído a partir do repositório: {snapshots} pontos de restauração.',
    en: 'Local catalog rebuilt from the repository: {snapshots} snapshots.',
  },
  'cli.kit.ask': {
    'pt-BR': 'Para confirmar que guardou o kit, digite as palavras {a} e {b}: clinic-backup recovery-kit confirm --word {a}=… --word {b}=…',
    en: 'To confirm you stored the kit, type words {a} and {b}: clinic-backup recovery-kit confirm --word {a}=… --word {b}=…',
  },
  'cli.kit.written': {
    'pt-BR': 'Kit de recuperação gravado em {files}. Imprima, guarde longe deste computador e apague o arquivo.',
    en: 'Recovery kit written to {files}. Print it, keep it away from this computer and delete the file.',
  },
  'cli.kit.nothing': { 'pt-BR': 'Não há kit de recuperação esperando confirmação.', en: 'No recovery kit is waiting for confirmation.' },
  'cli.kit.confirmed': { 'pt-BR': 'Kit de recuperação confirmado. Obrigado!', en: 'Recovery kit confirmed. Thank you!' },
  'cli.kit.isConfirmed': { 'pt-BR': 'Kit de recuperação confirmado em {at}.', en: 'Recovery kit confirmed at {at}.' },
  'cli.kit.notConfirmed': {
    'pt-BR': 'O kit de recuperação ainda NÃO foi confirmado.',
    en: 'The recovery kit has NOT been confirmed yet.',
  },
  'cli.connect.done': {
    'pt-BR': 'Conectado ao repositório {id} em {location}: nova chave ({kind}) neste computador, {snapshots} pontos de restauração no catálogo.',
    en: 'Connected to repository {id} at {location}: new key ({kind}) on this computer, {snapshots} snapshots in the catalog.',
  },
  'cli.secrets.set': { 'pt-BR': 'Segredo {name} guardado (vale na próxima execução).', en: 'Secret {name} stored (used from the next run).' },
  'cli.secrets.deleted': { 'pt-BR': 'Segredo {name} apagado.', en: 'Secret {name} deleted.' },
  'cli.secrets.none': { 'pt-BR': 'Não há segredo chamado {name}.', en: 'There is no secret named {name}.' },
  'cli.status.header': { 'pt-BR': 'Estado: {state} — repositório {id} em {location}', en: 'State: {state} — repository {id} at {location}' },
  'cli.status.state.ok': { 'pt-BR': 'tudo certo', en: 'all good' },
  'cli.status.state.running': { 'pt-BR': 'em andamento', en: 'running' },
  'cli.status.state.warning': { 'pt-BR': 'atenção', en: 'needs attention' },
  'cli.status.state.error': { 'pt-BR': 'PROBLEMA', en: 'PROBLEM' },
  'cli.status.allGood': { 'pt-BR': 'backups em dia', en: 'backups up to date' },
  'cli.status.last': {
    'pt-BR': 'Último backup com sucesso: {at}. Próximo: {next}. Pontos de restauração guardados: {snapshots}.',
    en: 'Last successful backup: {at}. Next: {next}. Snapshots kept: {snapshots}.',
  },
  'cli.status.kpis': {
    'pt-BR': 'Indicadores (30 dias): sucesso {success}, economia de espaço {compression}, validação {validation}, testes de restauração {drills}; saúde {health}/100.',
    en: 'Indicators (30 days): success {success}, space saved {compression}, validation {validation}, restore tests {drills}; health {health}/100.',
  },
  'cli.repair.fixed': { 'pt-BR': '  ✓ reparado a partir de outra cópia: {file}', en: '  ✓ repaired from another copy: {file}' },
  'cli.repair.notFixed': { 'pt-BR': '  ✗ não reparado: {file} ({reason})', en: '  ✗ not repaired: {file} ({reason})' },
  'cli.andMore': { 'pt-BR': '  … e mais {count}', en: '  … and {count} more' },
  'cli.repair.index': {
    'pt-BR':
      'Índice reconstruído: {packs} arquivos de dados ({fromHeaders} lidos do próprio cabeçalho), {blobs} blocos; {replaced, plural, one {# arquivo de índice antigo substituído} other {# arquivos de índice antigos substituídos}}.',
    en: 'Index rebuilt: {packs} data files ({fromHeaders} read from their own header), {blobs} blobs; {replaced, plural, one {# old index file} other {# old index files}} replaced.',
  },
  'cli.repair.indexKept': {
    'pt-BR': '  ! {file}: o cabeçalho não pôde ser lido; mantida a descrição do índice antigo (confira com check --read-data)',
    en: '  ! {file}: its header could not be read; the old index description was kept (verify with check --read-data)',
  },
  'cli.repair.indexMissing': {
    'pt-BR': '  ✗ {file}: listado no índice, mas o arquivo não existe (traga-o de outra cópia: check --repair --from LOCAL)',
    en: '  ✗ {file}: listed in the index but the file is gone (fetch it from another copy: check --repair --from LOCATION)',
  },
  'cli.repair.indexUnreadable': {
    'pt-BR': '  ✗ {file}: arquivo de dados ilegível e sem descrição em nenhum índice; seus dados só voltam de outra cópia',
    en: '  ✗ {file}: unreadable data file that no index describes; its data only comes back from another copy',
  },
  'cli.repair.indexNext': {
    'pt-BR': 'Há dados ausentes. Com outra cópia: clinic-backup check --repair --from LOCAL. Sem outra cópia: clinic-backup repair snapshots lista o que se perdeu.',
    en: 'Some data is missing. With another copy: clinic-backup check --repair --from LOCATION. Without one: clinic-backup repair snapshots lists what was lost.',
  },
  'cli.repair.snapshot': {
    'pt-BR': 'Ponto de restauração {id} danificado: gravado o ponto reparado {successor} com {kept} recursos; {lost, plural, one {# recurso perdido} other {# recursos perdidos}}:',
    en: 'Restore point {id} is damaged: repaired restore point {successor} saved with {kept} resources; {lost, plural, one {# resource} other {# resources}} lost:',
  },
  'cli.repair.snapshotAlready': {
    'pt-BR': 'Ponto de restauração {id} danificado já tem um ponto reparado (nada feito).',
    en: 'Damaged restore point {id} already has a repaired one (nothing done).',
  },
  'cli.repair.snapshotsDone': {
    'pt-BR':
      '{repaired, plural, one {# ponto de restauração reparado} other {# pontos de restauração reparados}}, {intact, plural, one {# intacto} other {# intactos}}. Os danificados foram mantidos; apague-os com "forget" depois de conferir.',
    en: '{repaired, plural, one {# restore point} other {# restore points}} repaired, {intact} intact. The damaged ones were kept; remove them with "forget" once you have checked.',
  },
  'cli.restore.listingLost': {
    'pt-BR': '  ✗ {type}: {count, plural, one {# recurso} other {# recursos}} cuja lista foi perdida (não restaurados)',
    en: '  ✗ {type}: {count, plural, one {# resource} other {# resources}} whose listing was lost (not restored)',
  },
  'cli.restore.listingLostUnknown': {
    'pt-BR': '  ✗ parte da lista de alterações foi perdida: alguns recursos podem faltar ou estar numa versão anterior',
    en: '  ✗ part of the list of changes was lost: some resources may be missing or at an earlier version',
  },
  'cli.plan.shared': {
    'pt-BR':
      '{count, plural, one {# recurso do paciente também diz respeito a outros pacientes e NÃO será gravado} other {# recursos do paciente também dizem respeito a outros pacientes e NÃO serão gravados}} (use --include-shared para incluí-los):',
    en: '{count, plural, one {# resource of the patient also concerns} other {# resources of the patient also concern}} other patients and will NOT be written (use --include-shared to include them):',
  },
  'cli.plan.sharedIncluded': {
    'pt-BR':
      '{count, plural, one {# recurso que também diz respeito a outros pacientes SERÁ gravado} other {# recursos que também dizem respeito a outros pacientes SERÃO gravados}} (--include-shared):',
    en: '{count, plural, one {# resource that also concerns} other {# resources that also concern}} other patients WILL be written (--include-shared):',
  },
  'cli.plan.otherPatients': {
    'pt-BR': '{count, plural, one {# outro paciente} other {# outros pacientes}}: {patients}',
    en: '{count, plural, one {# other patient} other {# other patients}}: {patients}',
  },
  'cli.progress.repair': { 'pt-BR': 'reparo ({phase}): {done}/{total}', en: 'repair ({phase}): {done}/{total}' },
  'cli.replicate.done': {
    'pt-BR': 'Cópia atualizada: {copied} arquivos copiados ({bytes}), {skipped} já estavam lá.',
    en: 'Copy up to date: {copied} files copied ({bytes}), {skipped} were already there.',
  },
  'cli.replicate.partial': {
    'pt-BR': 'Cópia INCOMPLETA: {copied} arquivos copiados, {failed} falharam; rode de novo para continuar.',
    en: 'Copy INCOMPLETE: {copied} files copied, {failed} failed; run again to resume.',
  },
  'cli.progress.replicate': { 'pt-BR': 'replicação ({phase}): {done}/{total} arquivos ({bytes})', en: 'replication ({phase}): {done}/{total} files ({bytes})' },
  'cli.copy.ok': { 'pt-BR': '  ✓ cópia atualizada: {location} ({copied} arquivos)', en: '  ✓ copy updated: {location} ({copied} files)' },
  'cli.copy.offline': {
    'pt-BR': '  – cópia desconectada (será atualizada quando voltar): {location}',
    en: '  – copy offline (it will be updated when it is back): {location}',
  },
  'cli.copy.partial': { 'pt-BR': '  ✗ cópia incompleta: {location} ({code})', en: '  ✗ copy incomplete: {location} ({code})' },
  'cli.copy.failed': { 'pt-BR': '  ✗ cópia falhou: {location} ({code})', en: '  ✗ copy failed: {location} ({code})' },
  'cli.dest.line': {
    'pt-BR': '{kind} {location}: atualizado {at}, ponto de restauração mais recente {snapshot} [{state}]',
    en: '{kind} {location}: updated {at}, newest snapshot {snapshot} [{state}]',
  },
  'cli.dest.added': {
    'pt-BR': 'Destino testado e adicionado: {location}. Os dados vão no próximo backup.',
    en: 'Destination tested and added: {location}. The data goes with the next backup.',
  },
  'cli.dest.addedExisting': {
    'pt-BR': 'Destino testado e adicionado: {location} (já tinha uma cópia deste repositório).',
    en: 'Destination tested and added: {location} (it already held copies of this repository).',
  },
  'cli.dest.removed': {
    'pt-BR': '{location} deixa de ser uma cópia (não é mais atualizado); os arquivos lá continuam.',
    en: '{location} is no longer a copy (no longer updated); its files stay there.',
  },
  'cli.dest.notACopy': { 'pt-BR': '{location} não é uma cópia adicionada.', en: '{location} is not an added copy.' },
  'cli.dest.overdue': { 'pt-BR': '  ! rodízio atrasado: troque/atualize este disco', en: '  ! rotation overdue: swap/update this drive' },
  'cli.forget.dryRun': {
    'pt-BR': 'Simulação: {removed} pontos de restauração seriam removidos, {kept} mantidos. Nada foi alterado.',
    en: 'Dry run: {removed} snapshots would be removed, {kept} kept. Nothing was changed.',
  },
  'cli.forget.done': {
    'pt-BR': '{removed} pontos de restauração removidos, {kept} mantidos. Rode "prune" para liberar o espaço.',
    en: '{removed} snapshots removed, {kept} kept. Run "prune" to free the space.',
  },
  'cli.prune.dryRun': {
    'pt-BR': 'Simulação: {deleted} arquivos de dados seriam apagados, {repacked} reagrupados, {freed} liberados ({locked} protegidos por bloqueio).',
    en: 'Dry run: {deleted} data files would be deleted, {repacked} repacked, {freed} freed ({locked} kept by Object Lock).',
  },
  'cli.migrate.done': {
    'pt-BR': 'Repositório convertido para o formato versão 2: {migrated} pontos de restauração convertidos, {already} já estavam, {deleted} arquivos antigos apagados.',
    en: 'Repository converted to format version 2: {migrated} snapshots converted, {already} were already, {deleted} old files deleted.',
  },
  'cli.migrate.already': {
    'pt-BR': 'O repositório já está no formato versão 2; {deleted} arquivos antigos apagados.',
    en: 'The repository is already in format version 2; {deleted} old files deleted.',
  },
  'cli.progress.migrate': { 'pt-BR': 'conversão ({phase}): {done}/{total}', en: 'migrate ({phase}): {done}/{total}' },
  'cli.prune.done': {
    'pt-BR': '{deleted} arquivos de dados apagados, {repacked} reagrupados, {freed} liberados ({locked} protegidos por bloqueio).',
    en: '{deleted} data files deleted, {repacked} repacked, {freed} freed ({locked} kept by Object Lock).',
  },
  'cli.progress.prune': { 'pt-BR': 'limpeza ({phase}): {done}/{total}', en: 'prune ({phase}): {done}/{total}' },
  'cli.schedule.line': { 'pt-BR': '{name}: {description}; próxima execução {next}', en: '{name}: {description}; next run {next}' },
  'cli.scheduler.started': { 'pt-BR': 'Agendador em execução (Ctrl+C para parar).', en: 'Scheduler running (Ctrl+C to stop).' },
  'cli.scheduler.stopped': { 'pt-BR': 'Agendador parado.', en: 'Scheduler stopped.' },
  'cli.drill.ok': {
    'pt-BR': 'Teste de restauração {id} APROVADO: {resources} recursos restaurados em {seconds} s, integridade {score}%.',
    en: 'Restore test {id} PASSED: {resources} resources restored in {seconds} s, integrity {score}%.',
  },
  'cli.drill.failed': {
    'pt-BR': 'Teste de restauração {id}: {status} (integridade {score}%). Veja o relatório: clinic-backup report drill {id} --pdf relatorio.pdf',
    en: 'Restore test {id}: {status} (integrity {score}%). See the report: clinic-backup report drill {id} --pdf report.pdf',
  },
  'cli.report.written': { 'pt-BR': 'Relatório gravado em {files}.', en: 'Report written to {files}.' },
  'cli.progress.drill': { 'pt-BR': 'teste de restauração ({phase}): {done}/{total}', en: 'restore test ({phase}): {done}/{total}' },
  'cli.doctor.ok': { 'pt-BR': 'Tudo certo.', en: 'All good.' },
  'cli.doctor.problems': { 'pt-BR': 'Há itens a corrigir (veja as setas acima).', en: 'Some items need fixing (see the arrows above).' },
  'cli.alerts.testSent': { 'pt-BR': 'Alerta de teste enviado por {channel}.', en: 'Test alert sent via {channel}.' },
  'cli.alerts.summary': {
    'pt-BR': 'Alertas ativos: {active} ({raised} novos, {cleared} resolvidos); entregues {delivered}, falhas {failed}.',
    en: 'Active alerts: {active} ({raised} new, {cleared} resolved); delivered {delivered}, failed {failed}.',
  },
  'cli.settings.saved': { 'pt-BR': 'Configurações salvas.', en: 'Settings saved.' },
  'cli.stats': {
    'pt-BR':
      'Repositório {id} em {location}\n  pontos de restauração: {snapshots}\n  arquivos de dados: {packs}, blocos: {blobs}\n  armazenado: {stored}\n  último ponto de restauração: {latest} de recursos (compressão {ratio}×, {codec})',
    en: 'Repository {id} at {location}\n  snapshots: {snapshots}\n  data files: {packs}, blobs: {blobs}\n  stored: {stored}\n  latest snapshot: {latest} of resources (compression {ratio}×, {codec})',
  },
  'cli.keys.header': { 'pt-BR': 'ID                Tipo        Nome                 Criada em', en: 'ID                Kind        Name                 Created' },
  'cli.keys.added': { 'pt-BR': 'Chave {id} ({kind}) adicionada.', en: 'Key {id} ({kind}) added.' },
  'cli.keys.removed': { 'pt-BR': 'Chave {id} removida.', en: 'Key {id} removed.' },
  'cli.plan.same': { 'pt-BR': '{count} já estão no servidor com o mesmo conteúdo (nada muda neles).', en: '{count} are already on the server with the same content (nothing changes for them).' },
  'cli.plan.assignedIds': {
    'pt-BR': 'Este servidor escolhe os próprios ids: os recursos serão criados com ids novos e as referências ajustadas; a correspondência antigo → novo fica guardada ({known} já conhecidas).',
    en: 'This server chooses its own ids: resources will be created with new ids and references adjusted; the old → new map is kept ({known} already known).',
  },
  'cli.plan.attachments': {
    'pt-BR':
      'Anexos: {stored} guardados ({bytes}); {binaries} Binary a criar primeiro (links apontados para eles), {reused} já criados antes, {follow} seguem recursos Binary restaurados, {notStored} não estão no backup (links mantidos).',
    en: 'Attachments: {stored} kept ({bytes}); {binaries} Binary to create first (links pointed at them), {reused} created before, {follow} follow restored Binary resources, {notStored} not in the backup (links kept).',
  },
  'cli.plan.adminExcluded': {
    'pt-BR': 'Recursos de administração do servidor ficam de fora (use --include-admin para incluí-los): {types}',
    en: 'Server administration resources are left out (use --include-admin to include them): {types}',
  },
  'cli.plan.adminIncluded': { 'pt-BR': 'Recursos de administração do servidor incluídos: {types}', en: 'Server administration resources included: {types}' },
  'cli.restore.idMap': {
    'pt-BR': 'Ids novos: {assigned} nesta restauração, {known} no total; correspondência antigo → novo em {file}',
    en: 'New ids: {assigned} in this restore, {known} in all; old → new map in {file}',
  },
  'cli.restore.attachments': { 'pt-BR': 'Anexos: {created} Binary criados ({bytes}), {failed} com falha.', en: 'Attachments: {created} Binary created ({bytes}), {failed} failed.' },
  'cli.restore.folderAttachments': {
    'pt-BR': 'Anexos: {files} arquivos ({bytes}) em attachments/, {listed} listados em attachments.ndjson',
    en: 'Attachments: {files} files ({bytes}) in attachments/, {listed} listed in attachments.ndjson',
  },
  'cli.restore.adminSkipped': {
    'pt-BR': 'Administração do servidor não restaurada ({items, plural, one {# item} other {# itens}}):',
    en: 'Server administration not restored ({items, plural, one {# item} other {# items}}):',
  },
  'cli.backup.attachments': {
    'pt-BR': 'Anexos: {stored} de {count} guardados ({bytes}); {external} em outros endereços, {failed} com falha.',
    en: 'Attachments: {stored} of {count} kept ({bytes}); {external} at other addresses, {failed} failed.',
  },
  // Progress lines name what they count (resources, data files, restore points), per phase.
  'cli.progress.backup': { 'pt-BR': 'backup ({phase}): {done}', en: 'backup ({phase}): {done}' },
  'cli.progress.backup.read': { 'pt-BR': 'backup: {done} recursos lidos ({bytes})', en: 'backup: {done} resources read ({bytes})' },
  'cli.progress.backup.download': { 'pt-BR': 'backup: {done} recursos baixados do servidor', en: 'backup: {done} resources downloaded from the server' },
  'cli.progress.backup.search': { 'pt-BR': 'backup: {done} recursos recebidos do servidor ({subject})', en: 'backup: {done} resources received from the server ({subject})' },
  'cli.progress.backup.history': { 'pt-BR': 'backup: {done} recursos recebidos do histórico do servidor', en: "backup: {done} resources received from the server's history" },
  'cli.progress.backup.export-wait': { 'pt-BR': 'o servidor está preparando a exportação ({done} min)', en: 'the server is preparing the export ({done} min)' },
  'cli.progress.backup.commit': { 'pt-BR': 'backup: gravando o ponto de restauração (etapa {done} de {total})', en: 'backup: saving the snapshot (step {done} of {total})' },
  'cli.progress.check': { 'pt-BR': 'verificação ({phase}): {done}/{total}', en: 'check ({phase}): {done}/{total}' },
  'cli.progress.check.index': { 'pt-BR': 'verificação: lendo o índice', en: 'check: reading the index' },
  'cli.progress.check.read-data': { 'pt-BR': 'verificação: {done}/{total} arquivos de dados lidos ({bytes})', en: 'check: {done}/{total} data files read ({bytes})' },
  'cli.progress.check.snapshots': { 'pt-BR': 'verificação: {done}/{total} pontos de restauração conferidos', en: 'check: {done}/{total} snapshots checked' },
  'cli.progress.check.repair': { 'pt-BR': 'reparo: {done}/{total} arquivos trazidos de outra cópia', en: 'repair: {done}/{total} files fetched from another copy' },
  'cli.progress.restore': { 'pt-BR': 'restauração: {done}/{total} recursos', en: 'restore: {done}/{total} resources' },
  'cli.progress.prune.mark': { 'pt-BR': 'limpeza: {done}/{total} pontos de restauração examinados', en: 'prune: {done}/{total} snapshots examined' },
  'cli.progress.prune.delete': { 'pt-BR': 'limpeza: {done}/{total} arquivos de dados apagados', en: 'prune: {done}/{total} data files deleted' },
  'cli.progress.repair.read-headers': { 'pt-BR': 'reparo do índice: {done}/{total} arquivos de dados lidos', en: 'index repair: {done}/{total} data files read' },
  'cli.progress.repair.snapshots': { 'pt-BR': 'reparo: {done}/{total} pontos de restauração examinados', en: 'repair: {done}/{total} snapshots examined' },
  'cli.demo.step': { 'pt-BR': '▶ {step}', en: '▶ {step}' },
  'cli.demo.server': {
    'pt-BR': 'Servidor FHIR de demonstração em {url} com {resources} recursos de {patients} pacientes sintéticos.',
    en: 'Demo FHIR server at {url} with {resources} resources of {patients} synthetic patients.',
  },
  'cli.demo.matches': {
    'pt-BR': 'Restauração tem os {count} recursos do servidor: {ok}',
    en: "Restore holds the server's {count} resources: {ok}",
  },
  'cli.demo.generate': { 'pt-BR': 'Gerando dados sintéticos de {patients} pacientes…', en: 'Generating synthetic data for {patients} patients…' },
  'cli.demo.init': { 'pt-BR': 'Criando repositório criptografado em {location}…', en: 'Creating an encrypted repository at {location}…' },
  'cli.demo.backup1': { 'pt-BR': 'Primeiro backup (completo, por $export)…', en: 'First backup (full, via $export)…' },
  'cli.demo.mutate': {
    'pt-BR': 'No servidor: {updated} recursos alterados, {created} criado, {deleted} apagado.',
    en: 'On the server: {updated} resources changed, {created} created, {deleted} deleted.',
  },
  'cli.demo.backup2': { 'pt-BR': 'Segundo backup (só o que mudou é gravado)…', en: 'Second backup (only what changed is stored)…' },
  'cli.demo.check': { 'pt-BR': 'Verificando todos os dados (check --read-data)…', en: 'Verifying all data (check --read-data)…' },
  'cli.demo.restore': { 'pt-BR': 'Restaurando o último ponto de restauração para {target}…', en: 'Restoring the latest snapshot to {target}…' },
  'cli.demo.summary': { 'pt-BR': 'Resumo', en: 'Summary' },
  'cli.demo.identical': {
    'pt-BR': 'Restauração idêntica byte a byte: {ok}',
    en: 'Restore byte-identical: {ok}',
  },
  'cli.demo.kept': { 'pt-BR': 'Arquivos da demonstração em {dir}', en: 'Demo files in {dir}' },
  'cli.yes': { 'pt-BR': 'sim', en: 'yes' },
  'cli.no': { 'pt-BR': 'não', en: 'no' },
};
