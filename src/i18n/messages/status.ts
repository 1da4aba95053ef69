import type { Catalogue } from '../types.js';

/** Text of the status summary (keys start with "status."). */
export const statusMessages: Catalogue = {
  'status.reason.never': { 'pt-BR': 'Nenhum backup concluído ainda.', en: 'No backup has completed yet.' },
  'status.reason.stale': {
    'pt-BR': 'O último backup bem-sucedido foi há {hours} h (limite: 24 h).',
    en: 'The last successful backup was {hours} h ago (limit: 24 h).',
  },
  'status.reason.failed': { 'pt-BR': 'O último backup falhou ({code}).', en: 'The last backup failed ({code}).' },
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
    'pt-BR': 'Lembrete: o teste mensal de restauração vence em {days} dia(s).',
    en: 'Reminder: the monthly restore test is due in {days} day(s).',
  },
  'status.reason.drill': {
    'pt-BR': 'O teste mensal de restauração está atrasado.',
    en: 'The monthly restore test is overdue.',
  },
};
