/**
 * Text of the screens for folders and databases (issue #17): the setup step "O que vamos proteger?", the restore of
 * files and databases, the drills of those sources. Kept apart from messages.ts (which spreads it in) so the two
 * grow without stepping on each other; the same rules apply: both languages, the same placeholders, plain words.
 */
type Message = { readonly 'pt-BR': string; readonly en: string };

const m = (pt: string, en: string): Message => ({ 'pt-BR': pt, en });

export const SOURCE_MESSAGES = {
  // setup: what to protect
  'protect.lead': m(
    'Marque o que a clínica tem. Pode ser só uma coisa ou todas: o sistema da clínica na internet, pastas com documentos e exames, e o banco de dados do programa da clínica.',
    "Tick what the clinic has. It can be just one thing or all of them: the clinic system on the internet, folders with documents and exams, and the clinic program's database.",
  ),
  'protect.kinds': m('O que a clínica tem', 'What the clinic has'),
  'protect.kind.fhir': m('Sistema da clínica com servidor de prontuários (FHIR)', 'Clinic system with a records server (FHIR)'),
  'protect.kind.fhir.hint': m('O endereço começa com https:// e o suporte do sistema sabe informar.', 'The address starts with https:// and the system’s support can tell you.'),
  'protect.kind.folders': m('Pastas com documentos, exames e imagens', 'Folders with documents, exams and images'),
  'protect.kind.folders.hint': m('Documentos digitalizados, laudos em PDF, imagens do ultrassom e do dermatoscópio.', 'Scanned documents, PDF reports, ultrasound and dermatoscope images.'),
  'protect.kind.database': m('Banco de dados do programa da clínica', "The clinic program's database"),
  'protect.kind.database.hint': m(
    'PostgreSQL, MySQL, MariaDB, Firebird ou SQLite: quem instalou o programa sabe qual é.',
    'PostgreSQL, MySQL, MariaDB, Firebird or SQLite: whoever installed the program knows which.',
  ),
  'protect.chooseOne': m('Marque pelo menos uma opção.', 'Tick at least one option.'),
  'protect.incomplete': m('Para continuar, termine o que foi marcado:', 'To continue, finish what is ticked:'),
  'protect.missing.fhir': m('teste a conexão com o sistema da clínica', 'test the connection to the clinic system'),
  'protect.missing.folders': m('escolha pelo menos uma pasta', 'choose at least one folder'),
  'protect.missing.database': m('teste a cópia do banco de dados', 'test the database copy'),

  // folders
  'folders.title': m('Pastas', 'Folders'),
  'folders.name': m('Nome deste grupo de pastas', 'Name of this group of folders'),
  'folders.name.default': m('Documentos e exames', 'Documents and exams'),
  'folders.name.hint': m('Aparece no painel e na restauração.', 'Shown on the dashboard and when restoring.'),
  'folders.pick': m(
    'Escolha uma pasta e clique em “Proteger esta pasta”. Pode escolher várias, uma de cada vez.',
    'Open a folder and click “Protect this folder”. You can choose several, one at a time.',
  ),
  'folders.useThis': m('Proteger esta pasta', 'Protect this folder'),
  'folders.chosen': m('Pastas escolhidas', 'Chosen folders'),
  'folders.none': m('Nenhuma pasta escolhida ainda.', 'No folder chosen yet.'),
  'folders.remove': m('Tirar {path} da lista', 'Remove {path} from the list'),
  'folders.removeShort': m('Tirar', 'Remove'),
  'folders.already': m('Esta pasta já está na lista.', 'This folder is already on the list.'),
  'folders.typed': m('Endereço da pasta', 'Folder address'),
  'folders.add': m('Adicionar', 'Add'),
  'folders.defaults': m(
    'Ficam de fora sempre: arquivos temporários e de bloqueio (~$…, *.tmp, *.lock), miniaturas (Thumbs.db, .DS_Store), desktop.ini, lixeiras e pastas do sistema.',
    'Always left out: temporary and lock files (~$…, *.tmp, *.lock), thumbnails (Thumbs.db, .DS_Store), desktop.ini, recycle bins and system folders.',
  ),
  'folders.exclude': m('Deixar de fora também (opcional, um por linha)', 'Also leave out (optional, one per line)'),
  'folders.exclude.hint': m('Por exemplo: *.iso para imagens de disco, ou Filmes/ para uma pasta.', 'For example: *.iso for disc images, or Movies/ for a folder.'),

  // database
  'db.title': m('Banco de dados', 'Database'),
  'db.name': m('Nome deste banco no Clinic Backup', 'Name of this database in Clinic Backup'),
  'db.name.default': m('Programa da clínica', 'Clinic program'),
  'db.preset': m('Qual é o banco de dados?', 'Which database is it?'),
  'db.preset.postgres': m('PostgreSQL', 'PostgreSQL'),
  'db.preset.mysql': m('MySQL ou MariaDB', 'MySQL or MariaDB'),
  'db.preset.firebird': m('Firebird', 'Firebird'),
  'db.preset.sqlite': m('SQLite (um arquivo)', 'SQLite (a file)'),
  'db.host': m('Computador do banco (endereço)', 'Database computer (address)'),
  'db.host.hint': m('127.0.0.1 quando o banco está neste computador.', '127.0.0.1 when the database is on this computer.'),
  'db.host.optional': m('Computador do banco (vazio: este computador)', 'Database computer (empty: this computer)'),
  'db.port': m('Porta', 'Port'),
  'db.user': m('Usuário', 'User'),
  'db.password': m('Senha', 'Password'),
  'db.password.hint': m('Fica guardada com segurança neste computador e nunca aparece na tela.', 'Kept safely on this computer and never shown on screen.'),
  'db.password.stored': m('Senha guardada. Digite de novo só se ela mudou.', 'Password saved. Type it again only if it changed.'),
  'db.database': m('Nome do banco de dados', 'Database name'),
  'db.fbFile': m('Arquivo do banco no servidor (.fdb ou .gdb)', 'Database file on the server (.fdb or .gdb)'),
  'db.sqliteFile': m('Arquivo do banco (.db, .sqlite)', 'Database file (.db, .sqlite)'),
  'db.needFields': m('Preencha os campos do banco de dados.', 'Fill in the database fields.'),
  'db.test': m('Testar a cópia do banco', 'Test the database copy'),
  'db.testing': m('Testando a cópia do banco…', 'Testing the database copy…'),
  'db.ok.title': m('Deu certo.', 'It works.'),
  'db.failed.title': m('A cópia do banco não funcionou.', 'The database copy did not work.'),
  'db.failed.details': m('Mensagem do programa do banco (para o suporte técnico)', "The database program's message (for technical support)"),

  // dashboard
  'dashboard.sourcesDone': m('Backup feito de tudo o que está protegido: {names}.', 'Everything protected was backed up: {names}.'),

  // restore of files and databases
  'filesRestore.chooser.title': m('O que você quer restaurar?', 'What do you want to restore?'),
  'filesRestore.chooser.records': m('Registros do sistema da clínica (pacientes, consultas)', 'Records of the clinic system (patients, visits)'),
  'filesRestore.chooser.files': m('Arquivos das pastas ou o banco de dados do programa', "Files from the folders or the program's database"),
  'filesRestore.title': m('Restaurar arquivos ou banco de dados', 'Restore files or a database'),
  'filesRestore.step.source': m('De onde', 'From where'),
  'filesRestore.step.pick': m('O que restaurar', 'What to restore'),
  'filesRestore.step.target': m('Para onde', 'Where to'),
  'filesRestore.step.plan': m('Conferir antes', 'Check first'),
  'filesRestore.step.outcome': m('Resultado', 'Outcome'),
  'filesRestore.source.question': m('De qual backup?', 'From which backup?'),
  'filesRestore.kind.folders': m('Pastas', 'Folders'),
  'filesRestore.kind.database': m('Banco de dados', 'Database'),
  'filesRestore.asOf': m('Como estava em (opcional)', 'As it was on (optional)'),
  'filesRestore.asOf.hint': m('Vazio: o backup mais recente. Com uma data: o último backup feito até esse dia.', 'Empty: the latest backup. With a date: the last backup made up to that day.'),
  'filesRestore.point': m('Backup de {at}.', 'Backup of {at}.'),
  'filesRestore.search': m('Buscar arquivo pelo nome', 'Search a file by name'),
  'filesRestore.search.hint': m('Parte do nome basta; acentos e maiúsculas não importam.', 'Part of the name is enough; accents and capitals do not matter.'),
  'filesRestore.search.button': m('Buscar', 'Search'),
  'filesRestore.searchResults': m('{count, plural, one {# resultado} other {# resultados}} para “{query}”.', '{count, plural, one {# result} other {# results}} for “{query}”.'),
  'filesRestore.backToFolders': m('Voltar às pastas', 'Back to the folders'),
  'filesRestore.here': m('Pasta aberta:', 'Open folder:'),
  'filesRestore.empty': m('Nada aqui.', 'Nothing here.'),
  'filesRestore.more': m('Há mais itens do que os mostrados: use a busca pelo nome.', 'There are more items than shown: use the search by name.'),
  'filesRestore.col.choose': m('Escolher', 'Choose'),
  'filesRestore.col.name': m('Nome', 'Name'),
  'filesRestore.col.size': m('Tamanho', 'Size'),
  'filesRestore.col.changed': m('Alterado em', 'Changed on'),
  'filesRestore.pick': m('Escolher {name}', 'Choose {name}'),
  'filesRestore.picked.folder': m('Pasta escolhida:', 'Chosen folder:'),
  'filesRestore.picked.file': m('Arquivo escolhido:', 'Chosen file:'),
  'filesRestore.db.question': m('Como restaurar o banco de dados?', 'How to restore the database?'),
  'filesRestore.db.asFile': m('Como um arquivo de cópia, numa pasta (para o suporte do programa carregar)', "As a copy file, in a folder (for the program's support to load)"),
  'filesRestore.db.intoNew': m('Num banco de dados novo, ao lado do atual (o atual não é tocado)', 'Into a new database, next to the current one (the current one is not touched)'),
  'filesRestore.db.intoNewUnavailable': m('Num banco de dados novo (só para PostgreSQL e SQLite)', 'Into a new database (PostgreSQL and SQLite only)'),
  'filesRestore.db.newName': m('Nome do banco de dados novo', 'Name of the new database'),
  'filesRestore.db.newFile': m('Arquivo novo do banco (endereço completo)', 'New database file (full address)'),
  'filesRestore.db.newHint': m('Precisa ser um nome que ainda não existe.', 'It must be a name that does not exist yet.'),
  'filesRestore.target.lead': m(
    'Escolha a pasta onde criar uma pasta nova com o que for restaurado. Nada que já existe é substituído sem você confirmar.',
    'Choose the folder in which to create a new folder with what is restored. Nothing that exists is replaced without your confirmation.',
  ),
  'filesRestore.target.chosen': m('Será restaurado em:', 'Will be restored into:'),
  'filesRestore.target.typed': m('Endereço da pasta de destino', 'Target folder address'),
  'filesRestore.target.needFolder': m('Escolha a pasta de destino.', 'Choose the target folder.'),
  'filesRestore.folderPrefix': m('Restaurado', 'Restored'),
  'filesRestore.seePlan': m('Ver o que será feito', 'See what will be done'),
  'filesRestore.plan.files': m(
    'Será gravado: {files, plural, one {# arquivo} other {# arquivos}} e {folders, plural, one {# pasta} other {# pastas}} ({size}) em {target}.',
    'To be written: {files, plural, one {# file} other {# files}} and {folders, plural, one {# folder} other {# folders}} ({size}) into {target}.',
  ),
  'filesRestore.plan.database': m('A cópia {file} ({size}) será carregada num banco de dados novo: {into}.', 'The copy {file} ({size}) will be loaded into a new database: {into}.'),
  'filesRestore.plan.newFolder': m('A pasta é nova: nada existente será tocado.', 'The folder is new: nothing existing will be touched.'),
  'filesRestore.plan.nothingOver': m('A pasta já existe, mas nenhum arquivo dela será substituído.', 'The folder exists, but none of its files will be replaced.'),
  'filesRestore.plan.existing': m(
    '{count, plural, one {# arquivo já existe} other {# arquivos já existem}} no destino:',
    '{count, plural, one {# file already exists} other {# files already exist}} at the target:',
  ),
  'filesRestore.overwrite.label': m('Substituir os arquivos que já existem', 'Replace the files that already exist'),
  'filesRestore.overwrite.word': m('SUBSTITUIR', 'REPLACE'),
  'filesRestore.running': m('Restaurando…', 'Restoring…'),
  'filesRestore.outcome.files': m(
    '{files, plural, one {# arquivo gravado} other {# arquivos gravados}} ({size}) em {target}.',
    '{files, plural, one {# file written} other {# files written}} ({size}) into {target}.',
  ),
  'filesRestore.outcome.database': m('O banco de dados novo {into} está pronto. O atual não foi tocado.', 'The new database {into} is ready. The current one was not touched.'),

  // drills of folders and databases
  'sourceDrills.title': m('Teste de restauração das pastas e do banco de dados', 'Restore test of the folders and the database'),
  'sourceDrills.lead': m(
    'Restaura uma amostra dos arquivos e confere cada um; restaura a última cópia do banco num banco de teste e confere se ele abre. Nada da clínica é alterado.',
    'Restores a sample of the files and checks each one; restores the latest database copy into a test database and checks that it opens. Nothing of the clinic is changed.',
  ),
  'sourceDrills.run': m('Testar agora: {name}', 'Test now: {name}'),
  'sourceDrills.noBackup': m('Ainda sem backup para testar.', 'No backup to test yet.'),
  'sourceDrills.ok': m('Teste aprovado em {time}.', 'Test passed in {time}.'),
  'sourceDrills.failed': m('O teste encontrou um problema ({time}).', 'The test found a problem ({time}).'),

  // setup done
  'protect.done.fhir': m('Sistema da clínica: {url}', 'Clinic system: {url}'),
  'protect.done.folders': m('Pastas ({name}): {paths}', 'Folders ({name}): {paths}'),
  'protect.done.database': m('Banco de dados: {name}', 'Database: {name}'),
} as const satisfies Readonly<Record<string, Message>>;
