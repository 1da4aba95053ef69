import type { Catalogue } from '../types.js';

/** Text of src/source (keys start with "source."). */
export const sourceMessages: Catalogue = {
  'source.files.defaultExcludes': {
    'pt-BR': 'Ficam de fora automaticamente: arquivos temporários e de bloqueio (~$…, .~lock…, *.tmp, *.lock), miniaturas (Thumbs.db, .DS_Store), desktop.ini, lixeiras e pastas do sistema.',
    en: 'Left out automatically: temporary and lock files (~$…, .~lock…, *.tmp, *.lock), thumbnails (Thumbs.db, .DS_Store), desktop.ini, recycle bins and system folders.',
  },
  'source.files.nameRenamed': {
    'pt-BR': '"{name}" será restaurado como "{restoredAs}" ({reasons}).',
    en: '"{name}" will be restored as "{restoredAs}" ({reasons}).',
  },
  'source.files.nameIssue.windows-reserved': { 'pt-BR': 'nome reservado do Windows', en: 'a name Windows reserves' },
  'source.files.nameIssue.windows-invalid-character': { 'pt-BR': 'caractere que o Windows não aceita', en: 'a character Windows does not accept' },
  'source.files.nameIssue.windows-trailing-dot-or-space': { 'pt-BR': 'termina com ponto ou espaço', en: 'ends with a dot or a space' },
  'source.files.nameIssue.case-collision': { 'pt-BR': 'outro arquivo com o mesmo nome em maiúsculas/minúsculas', en: 'another file with the same name in different case' },
  'source.files.nameIssue.normalization-collision': { 'pt-BR': 'outro arquivo com o mesmo nome acentuado', en: 'another file with the same accented name' },
  'source.files.nameIssue.name-collision': { 'pt-BR': 'o nome ajustado já existe', en: 'the adjusted name already exists' },
  'source.db.kind.postgres': { 'pt-BR': 'PostgreSQL', en: 'PostgreSQL' },
  'source.db.kind.mysql': { 'pt-BR': 'MySQL ou MariaDB', en: 'MySQL or MariaDB' },
  'source.db.kind.firebird': { 'pt-BR': 'Firebird', en: 'Firebird' },
  'source.db.kind.sqlite': { 'pt-BR': 'SQLite (arquivo)', en: 'SQLite (file)' },
  'source.db.test.progress': {
    'pt-BR': 'Testando a cópia do banco de dados: {megabytes} MB até agora…',
    en: 'Testing the database dump: {megabytes} MB so far…',
  },
  'source.db.test.ok': {
    'pt-BR': 'A cópia do banco de dados funcionou: {megabytes} MB em {seconds} s ({tool}). Nada foi guardado neste teste.',
    en: 'The database dump works: {megabytes} MB in {seconds} s ({tool}). Nothing was stored by this test.',
  },
  'source.db.test.cause.tool-missing': {
    'pt-BR': 'O programa que copia este banco de dados não está instalado neste computador.',
    en: 'The program that copies this database is not installed on this computer.',
  },
  'source.db.test.cause.password-missing': {
    'pt-BR': 'A senha deste banco de dados ainda não foi guardada. Digite a senha e tente de novo.',
    en: "This database's password has not been saved yet. Type the password and try again.",
  },
  'source.db.test.cause.authentication': {
    'pt-BR': 'O banco de dados recusou o usuário ou a senha. Confira os dois com quem cuida do sistema da clínica.',
    en: "The database refused the user or the password. Check both with whoever looks after the clinic's software.",
  },
  'source.db.test.cause.database-not-found': {
    'pt-BR': 'O banco de dados com esse nome não foi encontrado. Confira o nome (ou o caminho do arquivo).',
    en: 'No database with that name was found. Check the name (or the file path).',
  },
  'source.db.test.cause.connection-refused': {
    'pt-BR': 'Nada respondeu nesse endereço e porta. Confira se o computador do banco está ligado e se o endereço e a porta estão certos.',
    en: 'Nothing answered at that address and port. Check that the database computer is on and that the address and port are right.',
  },
  'source.db.test.cause.empty': {
    'pt-BR': 'A cópia terminou sem nenhum dado. Confira o nome do banco de dados.',
    en: 'The dump finished without any data. Check the database name.',
  },
  'source.db.test.cause.other': {
    'pt-BR': 'A cópia do banco de dados não funcionou.',
    en: 'The database dump did not work.',
  },
  'source.db.loadHint.postgres': {
    'pt-BR': 'Para carregar em um banco novo: createdb NOVO_BANCO && pg_restore --no-owner -d NOVO_BANCO "{file}"',
    en: 'To load it into a new database: createdb NEW_DB && pg_restore --no-owner -d NEW_DB "{file}"',
  },
  'source.db.loadHint.mysql': {
    'pt-BR': 'Para carregar em um banco novo: mysql -u USUÁRIO -p -e "CREATE DATABASE NOVO_BANCO" && mysql -u USUÁRIO -p NOVO_BANCO < "{file}"',
    en: 'To load it into a new database: mysql -u USER -p -e "CREATE DATABASE NEW_DB" && mysql -u USER -p NEW_DB < "{file}"',
  },
  'source.db.loadHint.firebird': {
    'pt-BR': 'Para criar um banco novo a partir dele: gbak -c "{file}" NOVO_BANCO.fdb (com ISC_USER e ISC_PASSWORD definidos)',
    en: 'To create a new database from it: gbak -c "{file}" NEW_DB.fdb (with ISC_USER and ISC_PASSWORD set)',
  },
  'source.db.loadHint.sqlite': {
    'pt-BR': 'O arquivo "{file}" já é o banco de dados SQLite; aponte o programa para ele ou copie-o no lugar do original com o programa fechado.',
    en: 'The file "{file}" is the SQLite database itself; point the program to it, or copy it over the original with the program closed.',
  },
};
