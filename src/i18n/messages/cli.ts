import type { Catalogue } from '../types.js';

/** Text printed by the command-line front end (keys start with "cli."). */
export const cliMessages: Catalogue = {
  'cli.usage': {
    'pt-BR': `Uso: clinic-backup <comando> [opções]

Comandos:
  init                         cria um repositório de backup criptografado
  backup <pasta|arquivo> | --source <URL FHIR> [--auth none|basic|bearer|smart] [--strategy S] [--full]
                               copia um servidor FHIR ou arquivos NDJSON para o repositório
  snapshots                    lista as cópias (snapshots)
  check [--read-data | --read-data-subset n/m]
                               verifica a integridade do repositório
  restore [snapshot] --target <pasta> | --target-url <URL FHIR> [--type T] [--patient ID]
          [--as-of DATA] [--plan] [--verify none|sample|all] [--yes]
                               restaura para uma pasta (NDJSON por tipo) ou para um servidor FHIR
  ls [snapshot] [--type T] [--patient ID]   lista os recursos de uma cópia
  dump <snapshot> <Tipo/id>    mostra um recurso
  sandbox [--port P] [--patients N]         servidor FHIR de teste com dados sintéticos
  cat snapshot <id>            mostra o manifesto de uma cópia
  stats                        tamanho e compressão do repositório
  key list | key add --keychain|--passphrase-file F|--recovery | key remove <id> | key rotate-recovery
  recovery-kit [--pdf F] [--html F] [status | confirm --word N=palavra --word M=palavra]
                               nova chave de recuperação para imprimir (a antiga deixa de valer), e sua confirmação
  connect --repo <local> --recovery-key [--recovery-key-file F]   recupera o acesso num computador novo com o kit
                               impresso (as palavras são lidas do arquivo ou da entrada padrão)
  secrets list | set <nome> [--from-file F] | delete <nome>   credenciais (só nomes são mostrados)
  catalog rebuild              reconstrói o catálogo local a partir do repositório
  status [--json | --nagios]   situação, indicadores (SOP-019 §7) e alertas
  forget [--dry-run] [--keep-last N --keep-daily N --keep-weekly N --keep-monthly N --keep-yearly N --keep-within 30d] [--prune]
                               aplica a retenção (nunca abaixo do prazo legal de 20 anos)
  prune [--dry-run]            apaga dados que nenhuma cópia usa
  migrate                      converte um repositório do formato antigo (versão 1) para o atual; pode ser
                               interrompido e retomado
  schedule [show] | schedule set backup|drill --every MIN | --daily HH:MM   agendas
  run-scheduler                executa as agendas em primeiro plano (para servidores/serviços)
  drill [--snapshot ID] [--target-url URL] [--allow-fallback]   teste de restauração num servidor de teste
  report drill <id> | dr-plan | compliance --pdf F [--html F]   relatórios: teste, plano de recuperação, conformidade
  doctor                       lista de verificação do SOP-019 §9, com a correção de cada item
  alerts [check] | alerts test <email|webhook>   avalia e envia alertas; envia um alerta de teste
  settings [get] | settings set --from-file F.json   configurações (fonte, agenda, alertas, idioma)
  replicate --to <local> [--from <local>]   copia o que falta para outro destino (NAS, USB, S3)
  check --repair [--from <local>]           substitui arquivos danificados por cópias boas de outro destino
  destinations                 estado das cópias (--copy LOCAL, repetível, ou CLINIC_BACKUP_COPIES)
  destinations add s3 --bucket B --region R --access-key-id ID --from-file ARQ-CHAVE-SECRETA [--endpoint URL] [--prefix P]
                               testa e adiciona uma cópia na nuvem (a chave vai para o cofre de senhas)
  destinations add usb|nas PASTA   testa e adiciona um disco; destinations remove LOCAL para de copiar para lá
  --limit-upload / --limit-download KiB/s   limite de banda para destinos S3
  Locais: uma pasta, s3:https://host[:porta]/bucket/prefixo ou s3:bucket/prefixo (AWS; credenciais AWS_*)
  demo                         demonstração completa com dados sintéticos
  serve [--port P]             modo web local (a mesma interface do aplicativo) em 127.0.0.1, com token

Opções gerais:
  --repo <local>               repositório (ou CLINIC_BACKUP_REPO)
  --password-file <arquivo>    senha em arquivo 0600, para servidores (ou CLINIC_BACKUP_PASSWORD_FILE)
  --json                       saída para máquinas
  --lang pt-BR|en              idioma

Códigos de saída: 0 ok, 1 falhou, 2 uso incorreto, 3 problema de integridade.`,
    en: `Usage: clinic-backup <command> [options]

Commands:
  init                         create an encrypted backup repository
  backup <folder|file> | --source <FHIR URL> [--auth none|basic|bearer|smart] [--strategy S] [--full]
                               back up a FHIR server or NDJSON files into the repository
  snapshots                    list snapshots
  check [--read-data | --read-data-subset n/m]
                               verify the repository
  restore [snapshot] --target <folder> | --target-url <FHIR URL> [--type T] [--patient ID]
          [--as-of DATE] [--plan] [--verify none|sample|all] [--yes]
                               restore to a folder (NDJSON per type) or into a FHIR server
  ls [snapshot] [--type T] [--patient ID]   list a snapshot's resources
  dump <snapshot> <Type/id>    print one resource
  sandbox [--port P] [--patients N]         test FHIR server with synthetic data
  cat snapshot <id>            show a snapshot's manifest
  stats                        repository size and compression
  key list | key add --keychain|--passphrase-file F|--recovery | key remove <id> | key rotate-recovery
  recovery-kit [--pdf F] [--html F] [status | confirm --word N=word --word M=word]
                               new recovery key to print (the old one stops working), and its confirmation
  connect --repo <location> --recovery-key [--recovery-key-file F]   regain access on a new computer with the
                               printed kit (the words are read from the file or standard input)
  secrets list | set <name> [--from-file F] | delete <name>   credentials (only names are shown)
  catalog rebuild              rebuild the local catalog from the repository
  status [--json | --nagios]   state, indicators (SOP-019 §7) and alerts
  forget [--dry-run] [--keep-last N --keep-daily N --keep-weekly N --keep-monthly N --keep-yearly N --keep-within 30d] [--prune]
                               apply retention (never below the 20-year legal floor)
  prune [--dry-run]            delete data no snapshot uses
  migrate                      convert a repository of the old format (version 1) to the current one; it can be
                               interrupted and resumed
  schedule [show] | schedule set backup|drill --every MIN | --daily HH:MM   schedules
  run-scheduler                run the schedules in the foreground (for servers/services)
  drill [--snapshot ID] [--target-url URL] [--allow-fallback]   restore test into a test server
  report drill <id> | dr-plan | compliance --pdf F [--html F]   reports: restore test, DR plan, compliance
  doctor                       the SOP-019 §9 checklist, with the fix for each item
  alerts [check] | alerts test <email|webhook>   evaluate and deliver alerts; send a test alert
  settings [get] | settings set --from-file F.json   settings (source, schedule, alerts, language)
  replicate --to <location> [--from <location>]   copy what another destination lacks (NAS, USB, S3)
  check --repair [--from <location>]              replace damaged files with good copies from another destination
  destinations                 state of the copies (--copy LOCATION, repeatable, or CLINIC_BACKUP_COPIES)
  destinations add s3 --bucket B --region R --access-key-id ID --from-file SECRET-KEY-FILE [--endpoint URL] [--prefix P]
                               tests and adds a cloud copy (the key goes to the secret store)
  destinations add usb|nas FOLDER   tests and adds a drive; destinations remove LOCATION stops copying there
  --limit-upload / --limit-download KiB/s   bandwidth limit for S3 destinations
  Locations: a folder, s3:https://host[:port]/bucket/prefix or s3:bucket/prefix (AWS; AWS_* credentials)
  demo                         full demonstration on synthetic data
  serve [--port P]             local web mode (the same UI as the desktop app) on 127.0.0.1, with a token

General options:
  --repo <location>            repository (or CLINIC_BACKUP_REPO)
  --password-file <file>       password in a 0600 file, for servers (or CLINIC_BACKUP_PASSWORD_FILE)
  --json                       machine output
  --lang pt-BR|en              language

Exit codes: 0 ok, 1 failed, 2 usage, 3 integrity problem.`,
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
    'pt-BR': 'CHAVE DE RECUPERAÇÃO — imprima e guarde em local seguro. Ela não será mostrada de novo.',
    en: 'RECOVERY KEY — print it and keep it somewhere safe. It will not be shown again.',
  },
  'cli.recovery.repo': { 'pt-BR': 'Repositório: {id}  Local: {location}', en: 'Repository: {id}  Location: {location}' },
  'cli.backup.done': {
    'pt-BR': 'Cópia {id} gravada: {resources} recursos ({added} novos, {changed} alterados, {deleted} removidos), {stored} adicionados ao repositório em {seconds} s.',
    en: 'Snapshot {id} saved: {resources} resources ({added} new, {changed} changed, {deleted} deleted), {stored} added to the repository in {seconds} s.',
  },
  'cli.backup.partial': {
    'pt-BR': 'Atenção: {count} linha(s) não puderam ser copiadas; a cópia está marcada como parcial:',
    en: 'Warning: {count} line(s) could not be backed up; the snapshot is marked partial:',
  },
  'cli.snapshots.header': { 'pt-BR': 'ID        Data/hora (UTC)       Recursos  Tamanho    Origem', en: 'ID        Time (UTC)            Resources Size       Source' },
  'cli.snapshots.none': { 'pt-BR': 'Nenhuma cópia ainda.', en: 'No snapshots yet.' },
  'cli.check.ok': {
    'pt-BR': 'Verificação OK: {snapshots} cópias, {packs} arquivos de dados, {blobs} blocos; {packsRead} arquivos lidos ({read}).',
    en: 'Check OK: {snapshots} snapshots, {packs} data files, {blobs} blobs; {packsRead} files read ({read}).',
  },
  'cli.check.failed': {
    'pt-BR': 'Verificação encontrou {count} problema(s):',
    en: 'Check found {count} problem(s):',
  },
  'cli.check.problem': { 'pt-BR': '  ✗ {file}: {reason}', en: '  ✗ {file}: {reason}' },
  'cli.check.affects': { 'pt-BR': '    cópias afetadas: {snapshots}', en: '    snapshots affected: {snapshots}' },
  'cli.check.resources': { 'pt-BR': '    recursos afetados: {resources}', en: '    resources affected: {resources}' },
  'cli.restore.needConfirm': {
    'pt-BR': 'Isto vai gravar {target}. Repita com --yes para confirmar.',
    en: 'This will write to {target}. Repeat with --yes to confirm.',
  },
  'cli.restore.done': {
    'pt-BR': 'Restaurados {resources} recursos ({bytes}) da cópia {id} em {target}.',
    en: 'Restored {resources} resources ({bytes}) from snapshot {id} to {target}.',
  },
  'cli.restore.failures': {
    'pt-BR': '{count} recurso(s) não puderam ser restaurados:',
    en: '{count} resource(s) could not be restored:',
  },
  'cli.plan.header': {
    'pt-BR': 'Plano de restauração: cópia {id} ({time}) → {target} [{server}]. Ordem (* = crítico, disponível primeiro):',
    en: 'Restore plan: snapshot {id} ({time}) → {target} [{server}]. Order (* = critical, available first):',
  },
  'cli.plan.totals': {
    'pt-BR': 'Total: {resources} recursos ({bytes}); {existing} já existem no destino e serão substituídos pela versão do backup.',
    en: 'Total: {resources} resources ({bytes}); {existing} already exist on the target and will be replaced by the backup version.',
  },
  'cli.plan.newer': {
    'pt-BR': 'ATENÇÃO: {count} recurso(s) no destino são MAIS NOVOS que o backup e seriam substituídos:',
    en: 'WARNING: {count} resource(s) on the target are NEWER than the backup and would be replaced:',
  },
  'cli.plan.dangling': {
    'pt-BR': 'Referências para fora do paciente (não serão restauradas): {refs}',
    en: 'References outside the patient (not restored): {refs}',
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
    'pt-BR': 'Conferência: {checked} recursos lidos de volta, {mismatches} diferença(s).',
    en: 'Verification: {checked} resources read back, {mismatches} mismatch(es).',
  },
  'cli.catalog.rebuilt': {
    'pt-BR': 'Catálogo local reconstruído a partir do repositório: {snapshots} cópias.',
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
    'pt-BR': 'Conectado ao repositório {id} em {location}: nova chave ({kind}) neste computador, {snapshots} cópias no catálogo.',
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
    'pt-BR': 'Último backup com sucesso: {at}. Próximo: {next}. Cópias guardadas: {snapshots}.',
    en: 'Last successful backup: {at}. Next: {next}. Snapshots kept: {snapshots}.',
  },
  'cli.status.kpis': {
    'pt-BR': 'Indicadores (30 dias): sucesso {success}, economia de espaço {compression}, validação {validation}, testes de restauração {drills}; saúde {health}/100.',
    en: 'Indicators (30 days): success {success}, space saved {compression}, validation {validation}, restore tests {drills}; health {health}/100.',
  },
  'cli.repair.fixed': { 'pt-BR': '  ✓ reparado a partir de outra cópia: {file}', en: '  ✓ repaired from another copy: {file}' },
  'cli.repair.notFixed': { 'pt-BR': '  ✗ não reparado: {file} ({reason})', en: '  ✗ not repaired: {file} ({reason})' },
  'cli.replicate.done': {
    'pt-BR': 'Cópia atualizada: {copied} arquivos copiados ({bytes}), {skipped} já estavam lá.',
    en: 'Copy up to date: {copied} files copied ({bytes}), {skipped} were already there.',
  },
  'cli.replicate.partial': {
    'pt-BR': 'Cópia INCOMPLETA: {copied} arquivos copiados, {failed} falharam; rode de novo para continuar.',
    en: 'Copy INCOMPLETE: {copied} files copied, {failed} failed; run again to resume.',
  },
  'cli.progress.replicate': { 'pt-BR': 'replicação ({phase}): {done}/{total} arquivos', en: 'replication ({phase}): {done}/{total} files' },
  'cli.copy.ok': { 'pt-BR': '  ✓ cópia atualizada: {location} ({copied} arquivos)', en: '  ✓ copy updated: {location} ({copied} files)' },
  'cli.copy.offline': {
    'pt-BR': '  – cópia desconectada (será atualizada quando voltar): {location}',
    en: '  – copy offline (it will be updated when it is back): {location}',
  },
  'cli.copy.partial': { 'pt-BR': '  ✗ cópia incompleta: {location} ({code})', en: '  ✗ copy incomplete: {location} ({code})' },
  'cli.copy.failed': { 'pt-BR': '  ✗ cópia falhou: {location} ({code})', en: '  ✗ copy failed: {location} ({code})' },
  'cli.dest.line': { 'pt-BR': '{kind} {location}: atualizado {at}, cópia mais recente {snapshot} [{state}]', en: '{kind} {location}: updated {at}, newest snapshot {snapshot} [{state}]' },
  'cli.dest.added': {
    'pt-BR': 'Destino testado e adicionado: {location}. A primeira cópia vai no próximo backup.',
    en: 'Destination tested and added: {location}. The first copy goes with the next backup.',
  },
  'cli.dest.addedExisting': {
    'pt-BR': 'Destino testado e adicionado: {location} (já tinha cópias deste repositório).',
    en: 'Destination tested and added: {location} (it already held copies of this repository).',
  },
  'cli.dest.removed': { 'pt-BR': '{location} não recebe mais cópias; os arquivos lá continuam.', en: '{location} no longer receives copies; its files stay there.' },
  'cli.dest.notACopy': { 'pt-BR': '{location} não é uma cópia adicionada.', en: '{location} is not an added copy.' },
  'cli.dest.overdue': { 'pt-BR': '  ! rodízio atrasado: troque/atualize este disco', en: '  ! rotation overdue: swap/update this drive' },
  'cli.forget.dryRun': { 'pt-BR': 'Simulação: {removed} cópias seriam removidas, {kept} mantidas. Nada foi alterado.', en: 'Dry run: {removed} snapshots would be removed, {kept} kept. Nothing was changed.' },
  'cli.forget.done': { 'pt-BR': '{removed} cópias removidas, {kept} mantidas. Rode "prune" para liberar o espaço.', en: '{removed} snapshots removed, {kept} kept. Run "prune" to free the space.' },
  'cli.prune.dryRun': { 'pt-BR': 'Simulação: {deleted} arquivos de dados seriam apagados, {repacked} reagrupados, {freed} liberados ({locked} protegidos por bloqueio).', en: 'Dry run: {deleted} data files would be deleted, {repacked} repacked, {freed} freed ({locked} kept by Object Lock).' },
  'cli.migrate.done': {
    'pt-BR': 'Repositório convertido para o formato versão 2: {migrated} cópias (snapshots) convertidas, {already} já estavam, {deleted} arquivos antigos apagados.',
    en: 'Repository converted to format version 2: {migrated} snapshots converted, {already} were already, {deleted} old files deleted.',
  },
  'cli.migrate.already': {
    'pt-BR': 'O repositório já está no formato versão 2; {deleted} arquivos antigos apagados.',
    en: 'The repository is already in format version 2; {deleted} old files deleted.',
  },
  'cli.progress.migrate': { 'pt-BR': 'conversão ({phase}): {done}/{total}', en: 'migrate ({phase}): {done}/{total}' },
  'cli.prune.done': { 'pt-BR': '{deleted} arquivos de dados apagados, {repacked} reagrupados, {freed} liberados ({locked} protegidos por bloqueio).', en: '{deleted} data files deleted, {repacked} repacked, {freed} freed ({locked} kept by Object Lock).' },
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
    'pt-BR': 'Repositório {id} em {location}\n  cópias: {snapshots}\n  arquivos de dados: {packs}, blocos: {blobs}\n  armazenado: {stored}\n  última cópia: {latest} de recursos (compressão {ratio}×, {codec})',
    en: 'Repository {id} at {location}\n  snapshots: {snapshots}\n  data files: {packs}, blobs: {blobs}\n  stored: {stored}\n  latest snapshot: {latest} of resources (compression {ratio}×, {codec})',
  },
  'cli.keys.header': { 'pt-BR': 'ID                Tipo        Nome                 Criada em', en: 'ID                Kind        Name                 Created' },
  'cli.keys.added': { 'pt-BR': 'Chave {id} ({kind}) adicionada.', en: 'Key {id} ({kind}) added.' },
  'cli.keys.removed': { 'pt-BR': 'Chave {id} removida.', en: 'Key {id} removed.' },
  'cli.progress.backup': { 'pt-BR': 'backup: {done} recursos, {bytes} lidos', en: 'backup: {done} resources, {bytes} read' },
  'cli.progress.check': { 'pt-BR': 'verificação ({phase}): {done}/{total}', en: 'check ({phase}): {done}/{total}' },
  'cli.progress.restore': { 'pt-BR': 'restauração: {done}/{total} recursos', en: 'restore: {done}/{total} resources' },
  'cli.demo.step': { 'pt-BR': '▶ {step}', en: '▶ {step}' },
  'cli.demo.server': {
    'pt-BR': 'Servidor FHIR de demonstração em {url} com {resources} recursos de {patients} pacientes sintéticos.',
    en: 'Demo FHIR server at {url} with {resources} resources of {patients} synthetic patients.',
  },
  'cli.demo.matches': {
    'pt-BR': 'Restauração tem os {count} recursos do servidor: {ok}',
    en: 'Restore holds the server\'s {count} resources: {ok}',
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
  'cli.demo.restore': { 'pt-BR': 'Restaurando a última cópia para {target}…', en: 'Restoring the latest snapshot to {target}…' },
  'cli.demo.summary': { 'pt-BR': 'Resumo', en: 'Summary' },
  'cli.demo.identical': {
    'pt-BR': 'Restauração idêntica byte a byte: {ok}',
    en: 'Restore byte-identical: {ok}',
  },
  'cli.demo.kept': { 'pt-BR': 'Arquivos da demonstração em {dir}', en: 'Demo files in {dir}' },
  'cli.yes': { 'pt-BR': 'sim', en: 'yes' },
  'cli.no': { 'pt-BR': 'não', en: 'no' },
};
