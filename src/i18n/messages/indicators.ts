import type { Catalogue } from '../types.js';

/** Names and values of SOP-019 §7's indicators (keys start with "indicators."); formulas in docs/indicators.md. */
export const indicatorsMessages: Catalogue = {
  'indicators.backupSuccessRate': { 'pt-BR': 'Backups que deram certo (30 dias)', en: 'Backups that worked (30 days)' },
  'indicators.validationRate': { 'pt-BR': 'Backups conferidos pela verificação', en: 'Backups confirmed by a check' },
  'indicators.meanBackupDuration': { 'pt-BR': 'Tempo médio de um backup', en: 'Average backup time' },
  'indicators.compressionRate': { 'pt-BR': 'Espaço economizado (compressão)', en: 'Space saved (compression)' },
  'indicators.recoverySuccessRate': { 'pt-BR': 'Testes de restauração que deram certo (12 meses)', en: 'Restore tests that worked (12 months)' },
  'indicators.rpo.local': { 'pt-BR': 'Maior perda possível de dados (RPO), cópia principal', en: 'Largest possible data loss (RPO), main copy' },
  'indicators.rpo.cloud': { 'pt-BR': 'Maior perda possível de dados (RPO), nuvem', en: 'Largest possible data loss (RPO), cloud' },
  'indicators.rto': { 'pt-BR': 'Tempo para restaurar (RTO), último teste', en: 'Time to restore (RTO), last test' },
  'indicators.mttr': { 'pt-BR': 'Tempo médio até o backup voltar a funcionar (MTTR)', en: 'Average time until backups work again (MTTR)' },
  'indicators.availability': { 'pt-BR': 'Tempo com backup em dia (disponibilidade)', en: 'Time with backups working (availability)' },
  'indicators.mtbf': { 'pt-BR': 'Tempo médio entre falhas (MTBF)', en: 'Average time between failures (MTBF)' },
  'indicators.healthScore': { 'pt-BR': 'Nota de saúde do backup', en: 'Backup health score' },
  'indicators.noData': { 'pt-BR': 'sem dados ainda', en: 'no data yet' },
  'indicators.noFailures': { 'pt-BR': 'nenhuma falha no período', en: 'no failures in the period' },
  'indicators.percent': { 'pt-BR': '{value} %', en: '{value}%' },
  'indicators.score': { 'pt-BR': '{value} de 100', en: '{value} out of 100' },
  'indicators.target.atLeast': { 'pt-BR': 'meta: pelo menos {target}', en: 'target: at least {target}' },
  'indicators.target.atMost': { 'pt-BR': 'meta: até {target}', en: 'target: at most {target}' },
  'indicators.target.atMostTolerance': { 'pt-BR': 'meta: até {target} (±{tolerance} %)', en: 'target: at most {target} (±{tolerance}%)' },
  'indicators.met': { 'pt-BR': 'dentro da meta', en: 'on target' },
  'indicators.missed': { 'pt-BR': 'fora da meta', en: 'off target' },
};
