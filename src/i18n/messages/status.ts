import type { Catalogue } from '../types.js';

/** Text of the status summary (keys start with "status."). */
export const statusMessages: Catalogue = {
  'status.reason.never': { 'pt-BR': 'Nenhum backup concluído ainda.', en: 'No backup has completed yet.' },
  'status.reason.stale': {
    'pt-BR': 'O último backup bem-sucedido foi há {hours} h (limite: 24 h).',
    en: 'The last successful backup was {hours} h ago (limit: 24 h).',
  },
  'status.reason.failed': { 'pt-BR': 'O último backup falhou ({code}).', en: 'The last backup failed ({code}).' },
  'status.reason.failed.source': {
    'pt-BR': 'O último backup falhou: não foi possível ler os dados do servidor da clínica.',
    en: "The last backup failed: the clinic's server could not be read.",
  },
  'status.reason.failed.destination': {
    'pt-BR': 'O último backup falhou: não foi possível gravar no local onde as cópias ficam guardadas.',
    en: 'The last backup failed: the place where the copies are kept could not be written.',
  },
  'status.reason.failed.unknown': { 'pt-BR': 'O último backup falhou.', en: 'The last backup failed.' },
  'status.reason.partialShort': {
    'pt-BR': 'O último backup ficou incompleto: parte dos dados não foi copiada.',
    en: 'The last backup was incomplete: part of the data was not copied.',
  },
  'status.reason.drillNever': {
    'pt-BR': 'Ainda não foi feito nenhum teste de restauração.',
    en: 'No restore test has been done yet.',
  },
  'status.reason.neverChecked': {
    'pt-BR': 'Os backups ainda não foram verificados.',
    en: 'The backups have not been checked yet.',
  },
  'status.reason.score': {
    'pt-BR': 'A saúde do backup está em {score} de 100 (bom a partir de {good}).',
    en: 'Backup health is {score} out of 100 (good from {good}).',
  },
  'status.reason.partial': {
    'pt-BR': 'O último backup ({at}) ficou INCOMPLETO: parte dos dados não foi copiada.',
    en: 'The last backup ({at}) was INCOMPLETE: part of the data was not copied.',
  },
  'status.reason.scheduler': {
    'pt-BR': 'O agendador não está rodando: os backups automáticos não acontecem.',
    en: 'The scheduler is not running: automatic backups do not happen.',
  },
  'status.reason.integrity': {
    'pt-BR': 'A última verificação encontrou problemas de integridade.',
    en: 'The last check found integrity problems.',
  },
  'status.reason.kit': {
    'pt-BR': 'O kit de recuperação ainda não foi confirmado.',
    en: 'The recovery kit has not been confirmed yet.',
  },
  'status.reason.usb': {
    'pt-BR': 'O disco USB {label} não é atualizado há mais tempo que o rodízio combinado.',
    en: 'USB drive {label} has not been updated within its rotation period.',
  },
  'status.reason.drillSoon': {
    'pt-BR': 'Lembrete: o teste mensal de restauração vence {days, plural, =0 {hoje} one {em # dia} other {em # dias}}.',
    en: 'Reminder: the monthly restore test is due {days, plural, =0 {today} one {in # day} other {in # days}}.',
  },
  'status.reason.drill': {
    'pt-BR': 'O teste mensal de restauração está atrasado.',
    en: 'The monthly restore test is overdue.',
  },
};
