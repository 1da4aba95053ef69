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

  // setup done
  'protect.done.fhir': m('Sistema da clínica: {url}', 'Clinic system: {url}'),
  'protect.done.folders': m('Pastas ({name}): {paths}', 'Folders ({name}): {paths}'),
  'protect.done.database': m('Banco de dados: {name}', 'Database: {name}'),
} as const satisfies Readonly<Record<string, Message>>;
