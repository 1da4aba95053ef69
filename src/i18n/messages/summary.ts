import type { Catalogue } from '../types.js';

/** The weekly summary ("tudo certo" or what needs attention), by e-mail and in the app (keys start with "summary."). */
export const summaryMessages: Catalogue = {
  'summary.subject.ok': { 'pt-BR': '[Clinic Backup] Resumo da semana: tudo certo — {clinic}', en: '[Clinic Backup] Weekly summary: all is well — {clinic}' },
  'summary.subject.attention': {
    'pt-BR': '[Clinic Backup] Resumo da semana: {count, plural, one {# ponto pede atenção} other {# pontos pedem atenção}} — {clinic}',
    en: '[Clinic Backup] Weekly summary: {count, plural, one {# point needs attention} other {# points need attention}} — {clinic}',
  },
  'summary.headline.ok': { 'pt-BR': 'Tudo certo com os backups desta semana.', en: "All is well with this week's backups." },
  'summary.headline.attention': { 'pt-BR': 'Os backups desta semana pedem atenção:', en: "This week's backups need attention:" },
  'summary.period': { 'pt-BR': 'Semana de {from} a {to}', en: 'Week from {from} to {to}' },
  'summary.backups': {
    'pt-BR': 'Backups: {ok} deram certo de {total} ({failed} com falha ou incompletos); {added} gravados; {snapshots} pontos de restauração guardados.',
    en: 'Backups: {ok} of {total} worked ({failed} failed or incomplete); {added} written; {snapshots} restore points kept.',
  },
  'summary.copies': { 'pt-BR': 'Cópias (regra 3-2-1-1-0): {text}', en: 'Copies (3-2-1-1-0 rule): {text}' },
  'summary.drill': { 'pt-BR': 'Último teste de restauração: {at} ({status}).', en: 'Last restore test: {at} ({status}).' },
  'summary.drillNever': { 'pt-BR': 'Nenhum teste de restauração feito ainda.', en: 'No restore test done yet.' },
  'summary.drill.success': { 'pt-BR': 'deu certo', en: 'it worked' },
  'summary.drill.partial': { 'pt-BR': 'incompleto', en: 'incomplete' },
  'summary.drill.failed': { 'pt-BR': 'falhou', en: 'failed' },
  'summary.drill.interrupted': { 'pt-BR': 'interrompido', en: 'interrupted' },
  'summary.drill.running': { 'pt-BR': 'em andamento', en: 'in progress' },
  'summary.health': { 'pt-BR': 'Nota de saúde do backup: {score} de 100.', en: 'Backup health score: {score} out of 100.' },
  'summary.indicators': { 'pt-BR': 'Indicadores (SOP-019)', en: 'Indicators (SOP-019)' },
  'summary.attached': { 'pt-BR': 'Em anexo: o relatório do teste de restauração do mês.', en: "Attached: this month's restore test report." },
  'summary.footer': { 'pt-BR': 'Enviado automaticamente pelo Clinic Backup toda semana.', en: 'Sent automatically by Clinic Backup every week.' },
};
