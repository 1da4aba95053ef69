import type { Catalogue } from '../types.js';

/** Text of src/scheduler (keys start with "scheduler."). */
export const schedulerMessages: Catalogue = {
  'scheduler.describe.everyMinute': { 'pt-BR': 'A cada minuto', en: 'Every minute' },
  'scheduler.describe.everyMinutes': { 'pt-BR': 'A cada {minutes} minutos', en: 'Every {minutes} minutes' },
  'scheduler.describe.everyHour': { 'pt-BR': 'A cada hora', en: 'Every hour' },
  'scheduler.describe.everyHours': { 'pt-BR': 'A cada {hours} horas', en: 'Every {hours} hours' },
  'scheduler.describe.withinWindow': { 'pt-BR': '{text}, entre {from} e {to}', en: '{text}, between {from} and {to}' },
  'scheduler.describe.daily': { 'pt-BR': 'Todos os dias às {at}', en: 'Every day at {at}' },
  'scheduler.describe.weekly': { 'pt-BR': 'Toda semana, {on}, às {at}', en: 'Weekly, {on}, at {at}' },
  'scheduler.describe.monthly': { 'pt-BR': 'Todo mês, no dia {day}, às {at}', en: 'Monthly, on day {day}, at {at}' },
  'scheduler.describe.monthlyClamped': {
    'pt-BR': 'Todo mês, no dia {day} (ou no último dia dos meses mais curtos), às {at}',
    en: 'Monthly, on day {day} (or the last day of shorter months), at {at}',
  },
  'scheduler.describe.inZone': { 'pt-BR': '{text} (fuso {timeZone})', en: '{text} ({timeZone} time)' },
  'scheduler.weekdayPlural.0': { 'pt-BR': 'aos domingos', en: 'on Sundays' },
  'scheduler.weekdayPlural.1': { 'pt-BR': 'às segundas-feiras', en: 'on Mondays' },
  'scheduler.weekdayPlural.2': { 'pt-BR': 'às terças-feiras', en: 'on Tuesdays' },
  'scheduler.weekdayPlural.3': { 'pt-BR': 'às quartas-feiras', en: 'on Wednesdays' },
  'scheduler.weekdayPlural.4': { 'pt-BR': 'às quintas-feiras', en: 'on Thursdays' },
  'scheduler.weekdayPlural.5': { 'pt-BR': 'às sextas-feiras', en: 'on Fridays' },
  'scheduler.weekdayPlural.6': { 'pt-BR': 'aos sábados', en: 'on Saturdays' },
  'scheduler.preset.localIncremental': { 'pt-BR': 'Backup incremental local', en: 'Local incremental backup' },
  'scheduler.preset.offsiteReplication': { 'pt-BR': 'Cópia para fora da clínica', en: 'Off-site copy' },
  'scheduler.preset.fullReconciliation': { 'pt-BR': 'Backup completo de conferência', en: 'Full reconciliation backup' },
  'scheduler.preset.restoreDrill': { 'pt-BR': 'Teste de restauração', en: 'Restore drill' },
  'scheduler.runReason.scheduled': { 'pt-BR': 'no horário agendado', en: 'on schedule' },
  'scheduler.runReason.catchUp': {
    'pt-BR': 'recuperando execução perdida de {missed} (computador desligado ou suspenso)',
    en: 'catching up the run missed at {missed} (computer off or asleep)',
  },
  'scheduler.runReason.retry': { 'pt-BR': 'nova tentativa {attempt} após falha', en: 'retry {attempt} after a failure' },
  'scheduler.runReason.manual': { 'pt-BR': 'iniciado pelo usuário', en: 'started by the user' },
};
