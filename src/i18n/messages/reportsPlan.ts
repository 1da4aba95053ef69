import type { Catalogue } from '../types.js';

/** Text of the disaster-recovery plan (keys "reports.plan."); WinAnsi only, like every printed message (see reports.ts). */
export const reportsPlanMessages: Catalogue = {
  // ---- DR plan -------------------------------------------------------------------------------------
  'reports.plan.title': { 'pt-BR': 'Plano de recuperação de desastres', en: 'Disaster recovery plan' },
  'reports.plan.footer': {
    'pt-BR': '{clinic} – plano de recuperação – Clinic Backup {version} – gerado em {generated}',
    en: '{clinic} – disaster recovery plan – Clinic Backup {version} – generated {generated}',
  },
  'reports.plan.howToUseTitle': { 'pt-BR': 'Como usar este plano', en: 'How to use this plan' },
  'reports.plan.howToUse1': {
    'pt-BR': 'Imprima e guarde uma via fora do computador (junto dos documentos da clínica). Num desastre, vá direto ao cenário da seção 8 e siga os passos na ordem.',
    en: "Print it and keep a copy away from the computer (with the clinic's documents). In a disaster, go straight to the scenario in section 8 and follow the steps in order.",
  },
  'reports.plan.howToUse2': {
    'pt-BR': 'Gerado a partir da configuração do programa em {date}. Gere de novo sempre que mudar destinos, computador ou contatos.',
    en: "Generated from the program's settings on {date}. Generate it again whenever destinations, the computer or contacts change.",
  },
  'reports.plan.h.summary': { 'pt-BR': '1. Resumo', en: '1. Summary' },
  'reports.plan.h.where': { 'pt-BR': '2. Onde estão os dados', en: '2. Where the data is' },
  'reports.plan.h.targets': { 'pt-BR': '3. Metas de recuperação (SOP-019)', en: '3. Recovery targets (SOP-019)' },
  'reports.plan.h.schedules': { 'pt-BR': '4. Agenda dos backups e testes', en: '4. Backup and drill schedule' },
  'reports.plan.h.retention': { 'pt-BR': '5. Por quanto tempo os pontos de restauração são guardados', en: '5. How long snapshots are kept' },
  'reports.plan.h.kit': { 'pt-BR': '6. Kit de recuperação', en: '6. Recovery kit' },
  'reports.plan.h.contacts': { 'pt-BR': '7. Contatos', en: '7. Contacts' },
  'reports.plan.h.incidents': { 'pt-BR': 'Registro de incidentes', en: 'Incident register' },
  'reports.plan.incidentsText': {
    'pt-BR':
      'Incidentes de segurança registrados pela clínica. Um incidente que possa trazer risco aos pacientes é comunicado à ANPD em até 3 dias úteis após a clínica saber dele (Resolução CD/ANPD nº 15/2024).',
    en: 'Security incidents recorded by the clinic. An incident that may bring risk to the patients is reported to the ANPD within 3 business days of the clinic learning of it (ANPD Resolution 15/2024).',
  },
  'reports.plan.noIncidents': { 'pt-BR': 'Nenhum incidente registrado.', en: 'No incident recorded.' },
  'reports.plan.col.discovered': { 'pt-BR': 'Descoberto em', en: 'Discovered' },
  'reports.plan.col.incident': { 'pt-BR': 'O que aconteceu — dados afetados', en: 'What happened — data affected' },
  'reports.plan.col.anpd': { 'pt-BR': 'ANPD', en: 'ANPD' },
  'reports.plan.col.closed': { 'pt-BR': 'Encerrado', en: 'Closed' },
  'reports.plan.anpdTold': { 'pt-BR': 'comunicada em {date}', en: 'told on {date}' },
  'reports.plan.anpdDue': { 'pt-BR': 'NÃO comunicada — prazo {date}', en: 'NOT told — deadline {date}' },
  'reports.plan.incidentOpen': { 'pt-BR': 'em aberto', en: 'open' },
  'reports.plan.h.scenarios': { 'pt-BR': '8. O que fazer em cada situação', en: '8. What to do in each situation' },
  'reports.plan.h.after': { 'pt-BR': '9. Depois de qualquer recuperação', en: '9. After any recovery' },
  'reports.plan.sources': { 'pt-BR': 'Sistemas protegidos', en: 'Systems protected' },
  'reports.plan.noSources': { 'pt-BR': 'nenhum servidor FHIR configurado', en: 'no FHIR server configured' },
  'reports.plan.copies': { 'pt-BR': 'Cópias', en: 'Copies' },
  'reports.plan.copiesValue': {
    'pt-BR': '{count, plural, one {# destino} other {# destinos}}, {offsite} fora da clínica, {immutable, plural, one {# protegido} other {# protegidos}} contra apagamento',
    en: '{count, plural, one {# destination} other {# destinations}}, {offsite} away from the clinic, {immutable} protected against deletion',
  },
  'reports.plan.kit': { 'pt-BR': 'Kit de recuperação', en: 'Recovery kit' },
  'reports.plan.kitUnknownShort': { 'pt-BR': 'local não registrado', en: 'location not recorded' },
  'reports.plan.lastDrill': { 'pt-BR': 'Último teste de recuperação', en: 'Last restore drill' },
  'reports.plan.drillPassed': { 'pt-BR': '{date}, aprovado', en: '{date}, passed' },
  'reports.plan.drillFailed': { 'pt-BR': '{date}, REPROVADO', en: '{date}, FAILED' },
  'reports.plan.drillNever': { 'pt-BR': 'nenhum teste feito ainda', en: 'no drill run yet' },
  'reports.plan.legalFloor': { 'pt-BR': 'Guarda legal', en: 'Legal retention' },
  'reports.plan.legalFloorValue': { 'pt-BR': '{years} anos (mínimo legal: {minimum} anos)', en: '{years} years (legal minimum: {minimum} years)' },
  'reports.plan.legalFloorText': {
    'pt-BR':
      'Prontuários devem poder ser recuperados por {years} anos (mínimo de {minimum} anos: Lei 13.787/2018 e Resolução CFM 1.821/2007). A limpeza de pontos de restauração antigos nunca apaga o último de cada mês dentro desse prazo.',
    en: 'Patient records must stay recoverable for {years} years (at least {minimum} years under Brazilian law: Lei 13.787/2018 and CFM Resolution 1.821/2007). Pruning old snapshots never deletes the last one of each month within that period.',
  },
  'reports.plan.gapsTitle': { 'pt-BR': 'Pontos fracos a corrigir', en: 'Weak points to fix' },
  'reports.plan.gapsNoneTitle': { 'pt-BR': 'Regra 3-2-1 atendida', en: '3-2-1 rule met' },
  'reports.plan.gapsNone': {
    'pt-BR': 'Há cópias em mais de um lugar, uma fora da clínica e uma protegida contra apagamento; o kit está guardado e o último teste passou.',
    en: 'There are copies in more than one place, one away from the clinic and one protected against deletion; the kit is stored and the last drill passed.',
  },
  'reports.plan.gap.noDestination': { 'pt-BR': 'Nenhum destino de backup configurado: não há cópias.', en: 'No backup destination configured: there are no copies.' },
  'reports.plan.gap.singleCopy': {
    'pt-BR': 'Só há um destino de backup. A regra 3-2-1 pede cópias em dois tipos de mídia, uma fora da clínica.',
    en: 'There is only one backup destination. The 3-2-1 rule asks for copies on two kinds of media, one away from the clinic.',
  },
  'reports.plan.gap.noOffsite': {
    'pt-BR': 'Nenhuma cópia fora da clínica: um incêndio ou roubo levaria os backups junto.',
    en: 'No copy away from the clinic: a fire or theft would take the backups too.',
  },
  'reports.plan.gap.noImmutable': {
    'pt-BR': 'Nenhuma cópia protegida contra apagamento (nuvem com bloqueio de objetos ou disco USB desconectado): um ransomware pode apagar todas.',
    en: 'No copy protected against deletion (cloud with object lock, or a disconnected USB disk): ransomware could delete them all.',
  },
  'reports.plan.gap.kitUnknown': {
    'pt-BR': 'Não foi registrado onde está o kit de recuperação. Sem ele, os backups não abrem num computador novo.',
    en: 'Where the recovery kit is kept was not recorded. Without it, the backups cannot be opened on a new computer.',
  },
  'reports.plan.gap.kitUnconfirmed': {
    'pt-BR': 'A guarda do kit de recuperação ainda não foi confirmada no programa.',
    en: 'Storage of the recovery kit has not been confirmed in the program yet.',
  },
  'reports.plan.gap.noContacts': { 'pt-BR': 'Nenhum contato de emergência cadastrado.', en: 'No emergency contact recorded.' },
  'reports.plan.gap.floorBelowLaw': {
    'pt-BR': 'A guarda legal está abaixo do mínimo de {minimum} anos.',
    en: 'Legal retention is below the minimum of {minimum} years.',
  },
  'reports.plan.gap.noDrill': {
    'pt-BR': 'Nenhum teste de recuperação feito: backup sem teste não é garantia.',
    en: 'No restore drill has been run: an untested backup is no guarantee.',
  },
  'reports.plan.gap.drillFailed': { 'pt-BR': 'O último teste de recuperação falhou. Veja o relatório do teste.', en: 'The last restore drill failed. See the drill report.' },
  'reports.plan.col.source': { 'pt-BR': 'Sistema', en: 'System' },
  'reports.plan.col.url': { 'pt-BR': 'Endereço do servidor FHIR', en: 'FHIR server address' },
  'reports.plan.col.fhirVersion': { 'pt-BR': 'Versão FHIR', en: 'FHIR version' },
  'reports.plan.col.copy': { 'pt-BR': 'Cópia', en: 'Copy' },
  'reports.plan.col.kind': { 'pt-BR': 'Tipo', en: 'Kind' },
  'reports.plan.col.location': { 'pt-BR': 'Local', en: 'Location' },
  'reports.plan.col.offsite': { 'pt-BR': 'Fora da clínica', en: 'Offsite' },
  'reports.plan.col.immutable': { 'pt-BR': 'Protegida contra apagamento', en: 'Protected from deletion' },
  'reports.plan.col.region': { 'pt-BR': 'Região', en: 'Region' },
  'reports.plan.col.tier': { 'pt-BR': 'Nível', en: 'Tier' },
  'reports.plan.col.types': { 'pt-BR': 'Tipos de recurso (exemplos)', en: 'Resource types (examples)' },
  'reports.plan.col.task': { 'pt-BR': 'Tarefa', en: 'Task' },
  'reports.plan.col.when': { 'pt-BR': 'Quando', en: 'When' },
  'reports.plan.col.role': { 'pt-BR': 'Função', en: 'Role' },
  'reports.plan.col.name': { 'pt-BR': 'Nome', en: 'Name' },
  'reports.plan.col.phone': { 'pt-BR': 'Telefone', en: 'Phone' },
  'reports.plan.col.email': { 'pt-BR': 'E-mail', en: 'E-mail' },
  'reports.plan.lockedDays': { 'pt-BR': 'sim, {days} dias', en: 'yes, {days} days' },
  'reports.plan.removable': { 'pt-BR': 'disco desconectado', en: 'disconnected disk' },
  'reports.plan.targetsText': {
    'pt-BR': 'RPO é a perda máxima aceitável (quanto tempo de dados pode faltar); RTO é o tempo máximo até os dados voltarem. Os dados críticos são restaurados primeiro.',
    en: 'RPO is the most data you can afford to lose (how much time of work may be missing); RTO is the longest the data may take to come back. Critical data is restored first.',
  },
  'reports.plan.task.backup': { 'pt-BR': 'Backup incremental', en: 'Incremental backup' },
  'reports.plan.task.full': { 'pt-BR': 'Backup completo (reconciliação)', en: 'Full backup (reconciliation)' },
  'reports.plan.task.replicate': { 'pt-BR': 'Cópia para fora da clínica', en: 'Copy to offsite destination' },
  'reports.plan.task.check': { 'pt-BR': 'Verificação de integridade', en: 'Integrity check' },
  'reports.plan.task.drill': { 'pt-BR': 'Teste de recuperação', en: 'Restore drill' },
  'reports.plan.allCopies': { 'pt-BR': 'todas', en: 'all' },
  'reports.plan.noSchedules': { 'pt-BR': 'Nenhum agendamento: os backups só acontecem quando alguém os inicia.', en: 'No schedule: backups only happen when someone starts them.' },
  'reports.plan.kitWhere': { 'pt-BR': 'Onde está guardado', en: 'Where it is kept' },
  'reports.plan.kitCreated': { 'pt-BR': 'Chave criada em', en: 'Key created' },
  'reports.plan.kitConfirmed': { 'pt-BR': 'Guarda confirmada', en: 'Storage confirmed' },
  'reports.plan.kitConfirmedValue': { 'pt-BR': 'em {date} por {by}', en: 'on {date} by {by}' },
  'reports.plan.kitNotConfirmed': { 'pt-BR': 'ainda não confirmada', en: 'not confirmed yet' },
  'reports.plan.kitText': {
    'pt-BR': 'O kit é a única forma de abrir os backups num computador novo. Quem tiver o kit consegue ler os backups: guarde-o trancado e longe do computador.',
    en: 'The kit is the only way to open the backups on a new computer. Whoever holds the kit can read the backups: keep it locked away, far from the computer.',
  },
  'reports.plan.noContacts': { 'pt-BR': 'Nenhum contato cadastrado: preencha à mão', en: 'No contact recorded: fill in by hand' },
  'reports.plan.role.owner': { 'pt-BR': 'Responsável pela clínica', en: 'Clinic owner' },
  'reports.plan.role.it': { 'pt-BR': 'Suporte de TI', en: 'IT support' },
  'reports.plan.role.dpo': { 'pt-BR': 'Encarregado de dados (DPO)', en: 'Data protection officer (DPO)' },
  'reports.plan.role.fhirVendor': { 'pt-BR': 'Fornecedor do sistema (servidor FHIR)', en: 'System vendor (FHIR server)' },
  'reports.plan.role.cloudProvider': { 'pt-BR': 'Provedor de nuvem', en: 'Cloud provider' },
  'reports.plan.role.support': { 'pt-BR': 'Suporte do Clinic Backup', en: 'Clinic Backup support' },
  'reports.plan.scenariosIntro': { 'pt-BR': 'Antes de começar, tenha em mãos:', en: 'Before you start, have at hand:' },
  'reports.plan.need.kit': { 'pt-BR': 'o kit de recuperação – onde está: {kit};', en: 'the recovery kit – where it is: {kit};' },
  'reports.plan.need.computer': { 'pt-BR': 'um computador funcionando, com internet;', en: 'a working computer with internet access;' },
  'reports.plan.need.contacts': { 'pt-BR': 'os contatos da seção 7.', en: 'the contacts in section 7.' },
  'reports.plan.commandsNote': {
    'pt-BR': 'Os comandos nas caixas cinza são para quem usa a linha de comando; no programa, as mesmas ações estão nos menus.',
    en: 'The commands in grey boxes are for the command line; in the program the same actions are in the menus.',
  },
  'reports.plan.goal': { 'pt-BR': 'Meta', en: 'Target' },
  'reports.plan.useCopy': { 'pt-BR': 'Cópia a usar', en: 'Copy to use' },
  'reports.plan.server': { 'pt-BR': 'Servidor FHIR', en: 'FHIR server' },
  'reports.plan.noCopy': { 'pt-BR': 'nenhuma cópia configurada', en: 'no copy configured' },
  'reports.plan.placeholder.location': { 'pt-BR': '<local do backup>', en: '<backup location>' },
  'reports.plan.placeholder.copy': { 'pt-BR': 'outra cópia', en: 'another copy' },
  'reports.plan.placeholder.fhir': { 'pt-BR': '<endereço do servidor FHIR>', en: '<FHIR server address>' },
  'reports.plan.placeholder.folder': { 'pt-BR': '<pasta>', en: '<folder>' },

  'reports.plan.sc.pcLost.title': { 'pt-BR': '8.1 Computador perdido ou roubado', en: '8.1 Computer lost or stolen' },
  'reports.plan.sc.pcLost.when': {
    'pt-BR': 'Quando: o computador onde o Clinic Backup roda sumiu, foi roubado ou não liga mais.',
    en: 'When: the computer running Clinic Backup is gone, was stolen or no longer starts.',
  },
  'reports.plan.sc.pcLost.goal': {
    'pt-BR': 'dados críticos de volta em {critical}; todo o resto em até {rest}.',
    en: 'critical data back within {critical}; everything else within {rest}.',
  },
  'reports.plan.sc.pcLost.s1': {
    'pt-BR': 'Se houve roubo, registre boletim de ocorrência e avise o suporte de TI (seção 7).',
    en: 'If it was stolen, report it to the police and tell IT support (section 7).',
  },
  'reports.plan.sc.pcLost.s2': {
    'pt-BR': 'De outro computador, corte os acessos do computador perdido: troque a chave de acesso da nuvem no painel do provedor e a senha da pasta do NAS.',
    en: "From another computer, cut the lost computer's access: change the cloud access key in the provider's console and the password of the NAS share.",
  },
  'reports.plan.sc.pcLost.s3': {
    'pt-BR':
      'Os backups são criptografados, mas o computador perdido conseguia abri-los. Avalie com o encarregado (DPO) a comunicação à ANPD e aos pacientes (LGPD art. 48; prazo de 3 dias úteis, Resolução CD/ANPD nº 15/2024).',
    en: 'The backups are encrypted, but the lost computer could open them. Decide with the DPO whether to notify the ANPD and the patients (LGPD art. 48; 3 working days, ANPD Resolution 15/2024).',
  },
  'reports.plan.sc.pcLost.s4': { 'pt-BR': 'Instale o Clinic Backup num computador novo.', en: 'Install Clinic Backup on a new computer.' },
  'reports.plan.sc.pcLost.s5': {
    'pt-BR': 'Pegue o kit de recuperação (onde está: {kit}). No programa, clique em "Conectar a uma cópia existente", escolha a cópia e digite as 32 palavras:',
    en: 'Fetch the recovery kit (where it is: {kit}). In the program, click "Connect to an existing copy", choose the copy and type the 32 words:',
  },
  'reports.plan.sc.pcLost.s6': { 'pt-BR': 'Confira que os pontos de restauração aparecem, com a data do último backup:', en: 'Check that the snapshots are listed, with the date of the last backup:' },
  'reports.plan.sc.pcLost.s7': { 'pt-BR': 'Verifique a integridade do repositório:', en: 'Check the repository:' },
  'reports.plan.sc.pcLost.s8': {
    'pt-BR': 'Se o servidor FHIR também estava no computador perdido, siga o cenário 8.4 para restaurá-lo num servidor novo.',
    en: 'If the FHIR server was on the lost computer too, follow scenario 8.4 to restore it onto a new server.',
  },
  'reports.plan.sc.pcLost.s9': {
    'pt-BR': 'Remova a chave do computador perdido: na lista, ela tem o nome do computador antigo; remova-a com "clinic-backup key remove <id>".',
    en: 'Remove the lost computer\'s key: in the list it carries the old computer\'s name; remove it with "clinic-backup key remove <id>".',
  },
  'reports.plan.sc.pcLost.s10': {
    'pt-BR': 'Reative os backups automáticos, faça um backup agora e rode um teste de recuperação:',
    en: 'Turn the automatic backups back on, take a backup now and run a restore drill:',
  },

  'reports.plan.sc.storageDead.title': { 'pt-BR': '8.2 NAS ou disco USB com defeito', en: '8.2 NAS or USB disk dead' },
  'reports.plan.sc.storageDead.when': {
    'pt-BR': 'Quando: o NAS não liga, o disco USB não é reconhecido ou o programa avisa que o destino está inacessível ou corrompido.',
    en: 'When: the NAS does not start, the USB disk is not recognised, or the program reports the destination unreachable or corrupt.',
  },
  'reports.plan.sc.storageDead.goal': {
    'pt-BR': 'nenhum dado perdido; enquanto a cópia local não volta, restaurações vêm da nuvem (até {rest}).',
    en: 'no data lost; until the local copy is back, restores come from the cloud (up to {rest}).',
  },
  'reports.plan.sc.storageDead.noOtherTitle': { 'pt-BR': 'Não há outra cópia configurada', en: 'There is no other copy configured' },
  'reports.plan.sc.storageDead.noOtherText': {
    'pt-BR':
      'Se este era o único destino, os backups antigos se perderam com ele. Não grave nada no disco com defeito; procure uma empresa de recuperação de dados e, assim que possível, configure uma segunda cópia fora da clínica.',
    en: 'If this was the only destination, the old backups are lost with it. Do not write to the failed disk; contact a data recovery company and, as soon as possible, add a second copy away from the clinic.',
  },
  'reports.plan.sc.storageDead.s1': {
    'pt-BR': 'Não tente consertar gravando no disco com defeito. Desconecte-o e etiquete-o.',
    en: 'Do not try to fix it by writing to the failed disk. Disconnect it and label it.',
  },
  'reports.plan.sc.storageDead.s2': {
    'pt-BR': 'O servidor FHIR não foi afetado: o atendimento continua normal, e os backups seguem para as outras cópias.',
    en: 'The FHIR server is not affected: work goes on as usual, and backups keep going to the other copies.',
  },
  'reports.plan.sc.storageDead.s3': {
    'pt-BR': 'Instale o disco ou NAS novo e crie a pasta no mesmo local ({location}).',
    en: 'Install the new disk or NAS and create the folder at the same location ({location}).',
  },
  'reports.plan.sc.storageDead.s4': {
    'pt-BR': 'Copie de volta todos os backups a partir da cópia "{copy}" (o programa só copia o que falta e confere cada arquivo):',
    en: 'Copy all the backups back from the copy "{copy}" (the program copies only what is missing and verifies each file):',
  },
  'reports.plan.sc.storageDead.s5': { 'pt-BR': 'Confira a cópia nova lendo todos os dados:', en: 'Verify the new copy by reading all the data:' },
  'reports.plan.sc.storageDead.s6': {
    'pt-BR': 'Se era um disco USB de rodízio, etiquete o novo e anote a troca no programa.',
    en: 'If it was a rotating USB disk, label the new one and record the swap in the program.',
  },

  'reports.plan.sc.ransomware.title': { 'pt-BR': '8.3 Ransomware (arquivos sequestrados)', en: '8.3 Ransomware (files held to ransom)' },
  'reports.plan.sc.ransomware.when': {
    'pt-BR': 'Quando: arquivos com nomes estranhos, um pedido de resgate na tela, ou o sistema não abre os prontuários.',
    en: 'When: files with strange names, a ransom note on screen, or the system cannot open the records.',
  },
  'reports.plan.sc.ransomware.goal': {
    'pt-BR': 'dados críticos de volta em {critical}, essenciais em {essential}, o resto em {rest}, depois de limpar os computadores.',
    en: 'critical data back within {critical}, essential within {essential}, the rest within {rest}, once the computers are clean.',
  },
  'reports.plan.sc.ransomware.fallbackCopy': {
    'pt-BR': 'sem cópia bloqueada; use a que estava desconectada ou fora da clínica: {copies}',
    en: 'no locked copy; use the one that was disconnected or offsite: {copies}',
  },
  'reports.plan.sc.ransomware.noImmutableTitle': { 'pt-BR': 'Nenhuma cópia protegida contra apagamento', en: 'No copy protected against deletion' },
  'reports.plan.sc.ransomware.noImmutableText': {
    'pt-BR': 'Confira com cuidado se a cópia escolhida não foi atingida (o passo de verificação abaixo lê todos os dados). Depois do incidente, ative o bloqueio de objetos na nuvem.',
    en: 'Check carefully that the chosen copy was not hit (the verification step below reads all the data). After the incident, turn on object lock in the cloud.',
  },
  'reports.plan.sc.ransomware.s1': {
    'pt-BR': 'Desconecte da rede os computadores afetados (tire o cabo, desligue o Wi-Fi). Não formate nada antes de falar com o suporte de TI.',
    en: 'Disconnect the affected computers from the network (unplug the cable, turn off Wi-Fi). Do not wipe anything before talking to IT support.',
  },
  'reports.plan.sc.ransomware.s2': {
    'pt-BR': 'Desligue o disco USB e o NAS da rede se ainda não foram atingidos. Nunca ligue um disco de backup num computador infectado.',
    en: 'Unplug the USB disk and take the NAS off the network if they were not hit yet. Never connect a backup disk to an infected computer.',
  },
  'reports.plan.sc.ransomware.s3': {
    'pt-BR': 'Não pague o resgate. Registre boletim de ocorrência e avise o encarregado (DPO): incidente com dados de saúde deve ser comunicado à ANPD e aos pacientes (3 dias úteis).',
    en: 'Do not pay the ransom. Report it to the police and tell the DPO: an incident with health data must be notified to the ANPD and the patients (3 working days).',
  },
  'reports.plan.sc.ransomware.s4': {
    'pt-BR': 'Peça ao suporte de TI para limpar ou reinstalar os computadores e o servidor FHIR, e troque todas as senhas (nuvem, NAS, servidor FHIR, usuários).',
    en: 'Have IT support clean or reinstall the computers and the FHIR server, and change every password (cloud, NAS, FHIR server, users).',
  },
  'reports.plan.sc.ransomware.s5': {
    'pt-BR': 'Num computador limpo, instale o Clinic Backup e recupere a partir do kit (onde está: {kit}) usando a cópia "{copy}":',
    en: 'On a clean computer, install Clinic Backup and recover from the kit (where it is: {kit}) using the copy "{copy}":',
  },
  'reports.plan.sc.ransomware.s6': {
    'pt-BR': 'Escolha um ponto de restauração anterior ao ataque (na dúvida, alguns dias antes dos primeiros sinais):',
    en: 'Pick a snapshot from before the attack (if unsure, a few days before the first signs):',
  },
  'reports.plan.sc.ransomware.s7': { 'pt-BR': 'Confira a cópia lendo todos os dados:', en: 'Verify the copy by reading all the data:' },
  'reports.plan.sc.ransomware.s8': {
    'pt-BR': 'Restaure no servidor FHIR limpo. O programa mostra antes o que será gravado, pede confirmação e restaura pacientes e alergias primeiro:',
    en: 'Restore into the clean FHIR server. The program first shows what will be written, asks for confirmation and restores patients and allergies first:',
  },
  'reports.plan.sc.ransomware.s9': {
    'pt-BR': 'Gere um kit de recuperação novo (o antigo pode ter sido exposto) e guarde-o:',
    en: 'Make a new recovery kit (the old one may have been exposed) and store it:',
  },
  'reports.plan.sc.ransomware.s10': {
    'pt-BR': 'Rode um teste de recuperação e guarde o relatório junto com o registro do incidente:',
    en: 'Run a restore drill and keep its report with the incident record:',
  },

  'reports.plan.sc.fhirCorrupted.title': { 'pt-BR': '8.4 Servidor FHIR corrompido ou perdido', en: '8.4 FHIR server corrupted or lost' },
  'reports.plan.sc.fhirCorrupted.when': {
    'pt-BR': 'Quando: o sistema de prontuários não abre, mostra dados errados em muitos pacientes ou o servidor foi perdido.',
    en: 'When: the records system does not open, shows wrong data for many patients, or the server was lost.',
  },
  'reports.plan.sc.fhirCorrupted.goal': {
    'pt-BR': 'perda de no máximo {rpo} de trabalho; dados críticos de volta em {critical}, essenciais em {essential}, o resto em {rest}.',
    en: 'at most {rpo} of work lost; critical data back within {critical}, essential within {essential}, the rest within {rest}.',
  },
  'reports.plan.sc.fhirCorrupted.s1': {
    'pt-BR': 'Pare de lançar dados no sistema. Anote em papel os atendimentos até a volta.',
    en: 'Stop entering data into the system. Keep paper notes of the visits until it is back.',
  },
  'reports.plan.sc.fhirCorrupted.s2': {
    'pt-BR': 'Descubra quando o problema começou: a restauração usa o último ponto de restauração anterior a esse momento (os backups locais são feitos a cada {rpo}).',
    en: 'Find out when the problem started: the restore uses the last snapshot before that moment (local backups run every {rpo}).',
  },
  'reports.plan.sc.fhirCorrupted.s3': { 'pt-BR': 'Liste os pontos de restauração e escolha o último bom:', en: 'List the snapshots and pick the last good one:' },
  'reports.plan.sc.fhirCorrupted.s4': {
    'pt-BR': 'Peça ao fornecedor do sistema um servidor FHIR limpo (o mesmo reinstalado ou um novo).',
    en: 'Ask the system vendor for a clean FHIR server (the same one reinstalled, or a new one).',
  },
  'reports.plan.sc.fhirCorrupted.s5': {
    'pt-BR': 'Veja a prévia e restaure. O programa pede confirmação e restaura pacientes e alergias primeiro:',
    en: 'Look at the preview and restore. The program asks for confirmation and restores patients and allergies first:',
  },
  'reports.plan.sc.fhirCorrupted.s6': {
    'pt-BR': 'Confira alguns prontuários com a equipe e compare os totais com o último relatório de teste de recuperação.',
    en: 'Check a few records with the staff and compare the totals with the last restore drill report.',
  },
  'reports.plan.sc.fhirCorrupted.s7': {
    'pt-BR': 'Lance no sistema o que foi anotado em papel e faça um backup completo:',
    en: 'Enter what was written on paper and take a full backup:',
  },

  'reports.plan.sc.patientDamaged.title': { 'pt-BR': '8.5 Prontuário de um paciente danificado', en: "8.5 One patient's record damaged" },
  'reports.plan.sc.patientDamaged.when': {
    'pt-BR': 'Quando: dados de um paciente foram apagados ou alterados por engano (ou por uma integração com erro).',
    en: "When: a patient's data was deleted or changed by mistake (or by a faulty integration).",
  },
  'reports.plan.sc.patientDamaged.goal': { 'pt-BR': 'prontuário de volta em {critical}, sem mexer nos outros pacientes.', en: 'the record back within {critical}, without touching other patients.' },
  'reports.plan.sc.patientDamaged.s1': {
    'pt-BR': 'Anote o identificador do paciente (ID do recurso Patient) e desde quando o prontuário está errado.',
    en: 'Note the patient identifier (the Patient resource id) and since when the record is wrong.',
  },
  'reports.plan.sc.patientDamaged.s2': { 'pt-BR': 'Escolha um ponto de restauração anterior ao dano:', en: 'Pick a snapshot from before the damage:' },
  'reports.plan.sc.patientDamaged.s3': {
    'pt-BR': 'Restaure só esse paciente numa pasta, para conferir sem mexer no sistema:',
    en: 'Restore just that patient into a folder, to check without touching the system:',
  },
  'reports.plan.sc.patientDamaged.s4': {
    'pt-BR': 'Confira com o profissional responsável o que está certo.',
    en: 'Check with the clinician in charge what is correct.',
  },
  'reports.plan.sc.patientDamaged.s5': {
    'pt-BR': 'Restaure o prontuário no servidor. A prévia avisa quais registros estão mais novos no servidor e seriam substituídos: lançamentos feitos depois do dano precisam ser refeitos à mão.',
    en: 'Restore the record into the server. The preview warns which entries are newer on the server and would be replaced: entries made after the damage must be re-entered by hand.',
  },
  'reports.plan.sc.patientDamaged.s6': {
    'pt-BR': 'Se o dano veio de acesso indevido, trate como incidente de segurança e avise o encarregado (DPO).',
    en: 'If the damage came from unauthorised access, treat it as a security incident and tell the DPO.',
  },

  'reports.plan.after1': { 'pt-BR': 'Rode um teste de recuperação e guarde o relatório.', en: 'Run a restore drill and keep the report.' },
  'reports.plan.after2': {
    'pt-BR': 'Registre o ocorrido: data, causa, o que foi feito e por quem (o programa já guarda as restaurações no registro de auditoria).',
    en: 'Record what happened: date, cause, what was done and by whom (the program already keeps restores in the audit log).',
  },
  'reports.plan.after3': {
    'pt-BR': 'Confirme que os backups automáticos voltaram (ícone verde) e que há cópia fora da clínica.',
    en: 'Confirm that automatic backups are running again (green icon) and that there is a copy away from the clinic.',
  },
  'reports.plan.after4': {
    'pt-BR': 'Se algo mudou (computador, destinos, contatos, kit), gere e imprima este plano de novo.',
    en: 'If anything changed (computer, destinations, contacts, kit), generate and print this plan again.',
  },
  'reports.plan.reviewTitle': { 'pt-BR': 'Revisão do plano (preencha à mão)', en: 'Plan review (fill in by hand)' },
  'reports.plan.reviewBy': { 'pt-BR': 'Revisado por (nome, data):', en: 'Reviewed by (name, date):' },
  'reports.plan.reviewNext': { 'pt-BR': 'Próxima revisão:', en: 'Next review:' },
};
