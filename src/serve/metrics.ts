/**
 * Prometheus metrics for IT helpers who watch several clinics: read from status() at scrape time, plus run
 * durations observed from engine events while this process runs. Served behind the same token as the API.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EngineEvent, StatusSummary } from '../shared/index.js';

const STATES = ['ok', 'running', 'warning', 'error'] as const;

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
  observe(event: EngineEvent): void;
}

export function createMetrics(readStatus: () => Promise<StatusSummary | null>): Metrics {
  const registry = new Registry();
  let status: StatusSummary | null = null;
  const up = new Gauge({ name: 'clinic_backup_up', help: '1 when the repository status could be read', registers: [registry] });
  const lastSuccess = new Gauge({ name: 'clinic_backup_last_success_timestamp_seconds', help: 'Unix time of the last successful backup', registers: [registry] });
  const health = new Gauge({ name: 'clinic_backup_health_score', help: 'Backup health score 0-100 (SOP-019 §7)', registers: [registry] });
  const state = new Gauge({ name: 'clinic_backup_state', help: '1 for the current state (ok, running, warning, error)', labelNames: ['state'], registers: [registry] });
  const snapshots = new Gauge({ name: 'clinic_backup_snapshots', help: 'Snapshots in the repository', registers: [registry] });
  const alerts = new Gauge({ name: 'clinic_backup_alerts_active', help: 'Active alerts', registers: [registry] });
  const rpo = new Gauge({ name: 'clinic_backup_rpo_achieved_seconds', help: 'Age of the last successful backup', registers: [registry] });
  const rpoTarget = new Gauge({ name: 'clinic_backup_rpo_target_seconds', help: 'Target RPO', registers: [registry] });
  const lastBytes = new Gauge({ name: 'clinic_backup_last_backup_bytes_added', help: 'Bytes stored by the most recent backup run', registers: [registry] });
  const lastResources = new Gauge({ name: 'clinic_backup_last_backup_resources', help: 'Resources in the most recent backup run', registers: [registry] });
  const successRate = new Gauge({ name: 'clinic_backup_success_rate', help: 'Backup success rate over 30 days (0-1)', registers: [registry] });
  const indicator = new Gauge({
    name: 'clinic_backup_indicator',
    help: 'SOP-019 §7 indicators (rates 0-1, durations in seconds, score 0-100; docs/indicators.md)',
    labelNames: ['indicator', 'subject'],
    registers: [registry],
  });
  const indicatorTarget = new Gauge({ name: 'clinic_backup_indicator_target', help: 'Target of each SOP-019 §7 indicator (same units)', labelNames: ['indicator', 'subject'], registers: [registry] });
  const indicatorMet = new Gauge({ name: 'clinic_backup_indicator_met', help: '1 when the indicator meets its target, 0 when not', labelNames: ['indicator', 'subject'], registers: [registry] });
  const runs = new Counter({ name: 'clinic_backup_runs_total', help: 'Runs finished since this process started', labelNames: ['kind', 'status'], registers: [registry] });
  const durations = new Histogram({
    name: 'clinic_backup_run_duration_seconds',
    help: 'Duration of runs finished since this process started',
    labelNames: ['kind', 'status'],
    buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
    registers: [registry],
  });
  const started = new Map<number, number>();

  async function refresh(): Promise<void> {
    // A status that cannot be read is what clinic_backup_up 0 reports.
    status = await readStatus().catch(() => null);
    up.set(status ? 1 : 0);
    if (!status) return;
    if (status.lastSuccessAt) lastSuccess.set(Date.parse(status.lastSuccessAt) / 1000);
    health.set(status.kpis.healthScore);
    for (const s of STATES) state.set({ state: s }, status.state === s ? 1 : 0);
    snapshots.set(status.snapshots);
    alerts.set(status.alerts.length);
    if (status.kpis.rpoAchievedMs !== null) rpo.set(status.kpis.rpoAchievedMs / 1000);
    rpoTarget.set(status.kpis.rpoTargetMs / 1000);
    if (status.kpis.backupSuccessRate !== null) successRate.set(status.kpis.backupSuccessRate);
    indicator.reset();
    indicatorTarget.reset();
    indicatorMet.reset();
    for (const i of status.indicators) {
      const labels = { indicator: i.id, subject: i.subject ?? '' };
      const scale = i.unit === 'duration' ? 1 / 1000 : 1;
      // No value yet (no history): the series is absent rather than a misleading 0.
      if (i.value !== null) indicator.set(labels, i.value * scale);
      if (i.target !== null) indicatorTarget.set(labels, i.target * scale);
      if (i.met !== null) indicatorMet.set(labels, i.met ? 1 : 0);
    }
    const latest = [...status.history].sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
    if (latest) {
      lastBytes.set(latest.bytesAdded);
      lastResources.set(latest.resources);
    }
  }

  return {
    contentType: registry.contentType,
    async render() {
      await refresh();
      return registry.metrics();
    },
    observe(event) {
      if (event.type === 'run-started') started.set(event.runId, Date.now());
      if (event.type === 'run-finished') {
        runs.inc({ kind: event.kind, status: event.status });
        const t0 = started.get(event.runId);
        started.delete(event.runId);
        if (t0 !== undefined) durations.observe({ kind: event.kind, status: event.status }, (Date.now() - t0) / 1000);
      }
    },
  };
}
