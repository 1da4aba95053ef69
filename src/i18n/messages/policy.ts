import type { Catalogue } from '../types.js';

/** Text of src/policy (keys start with "policy."). */
export const policyMessages: Catalogue = {
  // forget --dry-run
  'policy.explain.keep': { 'pt-BR': 'manter {id} ({time}): {reasons}', en: 'keep {id} ({time}): {reasons}' },
  'policy.explain.remove': { 'pt-BR': 'remover {id} ({time}): {reasons}', en: 'remove {id} ({time}): {reasons}' },
  // why a snapshot is kept
  'policy.keep.last': { 'pt-BR': 'entre as {count} mais recentes', en: 'one of the last {count}' },
  'policy.keep.hourly': { 'pt-BR': 'última da hora {hour}', en: 'last hourly of {hour}' },
  'policy.keep.daily': { 'pt-BR': 'última do dia {day}', en: 'last daily of {day}' },
  'policy.keep.weekly': { 'pt-BR': 'última da semana {week}', en: 'last weekly of {week}' },
  'policy.keep.monthly': { 'pt-BR': 'última do mês {month}', en: 'last monthly of {month}' },
  'policy.keep.yearly': { 'pt-BR': 'última do ano {year}', en: 'last yearly of {year}' },
  'policy.keep.oldest': {
    'pt-BR': 'a mais antiga, mantida porque a regra {rule} ainda tem vagas',
    en: 'the oldest, kept because the {rule} rule still has room',
  },
  'policy.keep.within': { 'pt-BR': 'dentro de {duration} da mais recente', en: 'within {duration} of the newest' },
  'policy.keep.tag': { 'pt-BR': 'marcada com "{tag}"', en: 'tagged "{tag}"' },
  'policy.keep.beforeSuspicious': {
    'pt-BR': 'o último ponto de restauração antes de {suspicious}, que tem {drop}% menos recursos (possível exclusão, ransomware ou servidor errado)',
    en: 'the last restore point before {suspicious}, which holds {drop}% fewer resources (possible deletion, ransomware or wrong server)',
  },
  'policy.keep.newest': { 'pt-BR': 'o ponto de restauração mais recente', en: 'the newest snapshot' },
  'policy.keep.emptyPolicy': {
    'pt-BR': 'nenhuma regra de retenção definida: tudo é mantido',
    en: 'no retention rule set: everything is kept',
  },
  'policy.keep.legalFloor': {
    'pt-BR': 'última de {month}, exigida pela guarda legal de {years} anos',
    en: 'last of {month}, required by the {years}-year legal retention',
  },
  'policy.keep.legalFloorAnchor': {
    'pt-BR': 'estado dos prontuários no início do prazo legal de {years} anos ({since}), exigida pela guarda legal',
    en: 'state of the records when the {years}-year legal period begins ({since}), required by the legal retention',
  },
  'policy.remove.superseded': { 'pt-BR': 'substituída por {by} ({byTime})', en: 'superseded by {by} ({byTime})' },
  'policy.rule.last': { 'pt-BR': '"mais recentes"', en: '"last"' },
  'policy.rule.hourly': { 'pt-BR': '"por hora"', en: '"hourly"' },
  'policy.rule.daily': { 'pt-BR': '"diária"', en: '"daily"' },
  'policy.rule.weekly': { 'pt-BR': '"semanal"', en: '"weekly"' },
  'policy.rule.monthly': { 'pt-BR': '"mensal"', en: '"monthly"' },
  'policy.rule.yearly': { 'pt-BR': '"anual"', en: '"yearly"' },
  // retention settings problems (field-level)
  'policy.retention.notObject': { 'pt-BR': 'a política de retenção deve ser um objeto', en: 'the retention policy must be an object' },
  'policy.retention.unknownField': {
    'pt-BR': 'campo desconhecido (erro de digitação?); nada foi salvo',
    en: 'unknown field (a typo?); nothing was saved',
  },
  'policy.retention.count': {
    'pt-BR': 'deve ser um número inteiro: 0 ou mais, ou -1 para ilimitado',
    en: 'must be a whole number: 0 or more, or -1 for unlimited',
  },
  'policy.retention.duration': {
    'pt-BR': '"{value}" não é uma duração; use por exemplo 30d, 2w, 6m, 1y6m ou 48h',
    en: '"{value}" is not a duration; use e.g. 30d, 2w, 6m, 1y6m or 48h',
  },
  'policy.retention.tags': { 'pt-BR': 'deve ser uma lista de marcadores não vazios', en: 'must be a list of non-empty tags' },
  'policy.retention.timeZone': { 'pt-BR': 'fuso horário desconhecido: {value}', en: 'unknown time zone: {value}' },
  'policy.retention.floorRange': {
    'pt-BR': 'deve ser um número inteiro de anos entre 0 e {max}',
    en: 'must be a whole number of years between 0 and {max}',
  },
  'policy.retention.belowLegalFloor': {
    'pt-BR': 'prontuários devem poder ser recuperados por {minimum} anos; {configured} anos apagaria pontos de restauração dentro desse prazo. Use {minimum} ou mais.',
    en: 'medical records must stay recoverable for {minimum} years; {configured} years would delete snapshots inside that period. Use {minimum} or more.',
  },
  // schedule settings problems (field-level)
  'policy.schedule.notObject': { 'pt-BR': 'o agendamento deve ser um objeto', en: 'the schedule must be an object' },
  'policy.schedule.kind': {
    'pt-BR': 'tipo "{value}" desconhecido; use interval, daily, weekly ou monthly',
    en: 'unknown kind "{value}"; use interval, daily, weekly or monthly',
  },
  'policy.schedule.timeZone': { 'pt-BR': 'fuso horário desconhecido: {value}', en: 'unknown time zone: {value}' },
  'policy.schedule.clockTime': { 'pt-BR': '"{value}" não é um horário HH:MM (00:00 a 23:59)', en: '"{value}" is not a HH:MM time (00:00 to 23:59)' },
  'policy.schedule.everyMinutes': {
    'pt-BR': 'deve ser um número inteiro de minutos entre 1 e {max}',
    en: 'must be a whole number of minutes between 1 and {max}',
  },
  'policy.schedule.emptyWindow': {
    'pt-BR': 'a janela começa e termina no mesmo horário; para o dia todo, remova a janela',
    en: 'the window starts and ends at the same time; for the whole day, remove the window',
  },
  'policy.schedule.weekday': {
    'pt-BR': 'dia da semana deve ser de 0 (domingo) a 6 (sábado)',
    en: 'weekday must be 0 (Sunday) to 6 (Saturday)',
  },
  'policy.schedule.dayOfMonth': {
    'pt-BR': 'dia do mês deve ser de 1 a 31 (29-31 usam o último dia nos meses mais curtos)',
    en: 'day of month must be 1 to 31 (29-31 use the last day in shorter months)',
  },
  // tiers (SOP-019 §3.2) and layers (§5.1)
  'policy.tier.critical': { 'pt-BR': 'Crítico', en: 'Critical' },
  'policy.tier.essential': { 'pt-BR': 'Essencial', en: 'Essential' },
  'policy.tier.important': { 'pt-BR': 'Importante', en: 'Important' },
  'policy.tier.auxiliary': { 'pt-BR': 'Auxiliar', en: 'Auxiliary' },
  'policy.layer.local': { 'pt-BR': 'Camada 1 – backup local', en: 'Layer 1 – local backup' },
  'policy.layer.regional': { 'pt-BR': 'Camada 2 – cópia regional', en: 'Layer 2 – regional copy' },
  'policy.layer.cloud': { 'pt-BR': 'Camada 3 – nuvem', en: 'Layer 3 – cloud' },
};
