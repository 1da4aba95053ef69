/** The status screen as it crosses the contract (src/shared/contract.ts re-exports it): health, headline, KPIs, weekly summary. */
import type { DestinationState } from './contract.js';

export type HealthState = 'ok' | 'running' | 'warning' | 'error';

export interface StatusAlert {
  readonly key: string;
  readonly rule: string;
  readonly severity: 'low' | 'medium' | 'high' | 'critical';
  readonly message: string;
  readonly since: string;
}

/** The dashboard's headline, from one rule (src/policy/headline.ts): ok, attention or problem. */
export type HeadlineLevel = 'ok' | 'attention' | 'problem';

/** The one action that fixes an unmet point; the user interface maps each to a button. */
export type HeadlineAction =
  'backup-now' | 'check-now' | 'run-drill' | 'confirm-kit' | 'add-copy' | 'add-offsite' | 'add-immutable' | 'rotate-usb' | 'see-destinations' | 'see-source' | 'see-alerts' | 'start-scheduler';

/** One unmet point under the headline, already worded, with its action. */
export interface HeadlinePoint {
  readonly id: string;
  readonly level: Exclude<HeadlineLevel, 'ok'>;
  readonly text: string;
  readonly action: HeadlineAction;
}

/** One screen of status (SOP-019 §6.3 daily check and §7 KPIs), for `status`, the dashboard and the tray. */
export interface StatusSummary {
  readonly repoId: string;
  readonly location: string;
  readonly state: HealthState;
  /** The headline and its unmet points (each with the action that fixes it); `state` is derived from it. */
  readonly headline: { readonly level: HeadlineLevel; readonly points: readonly HeadlinePoint[] };
  /** Short reasons for the state, already translated (the texts of the headline's points). */
  readonly reasons: readonly string[];
  /** failedSide: which side a failed backup could not reach or use — the clinic's server (source) or where the copy is kept (destination). */
  readonly lastBackup: {
    readonly at: string;
    readonly status: string;
    readonly snapshotId: string | null;
    readonly errorCode: string | null;
    readonly failedSide: 'source' | 'destination' | null;
  } | null;
  readonly lastSuccessAt: string | null;
  /** When the scheduler will run the next backup; null when no scheduler is running. */
  readonly nextBackupAt: string | null;
  /** The scheduler of this repository, read from its lock as doctor reads it. */
  readonly scheduler: {
    readonly running: boolean;
    readonly state: 'running' | 'other-host' | 'stale' | 'not-running' | 'unreadable';
    readonly pid: number | null;
    readonly since: string | null;
    readonly host: string | null;
  };
  /** The clinic's time zone, in which every time is shown. */
  readonly timeZone: string;
  readonly running: { readonly kind: string; readonly since: string } | null;
  readonly snapshots: number;
  readonly alerts: readonly StatusAlert[];
  readonly kpis: {
    readonly backupSuccessRate: number | null;
    readonly compressionRate: number | null;
    readonly validationRate: number | null;
    readonly recoveryTestSuccessRate: number | null;
    readonly rpoAchievedMs: number | null;
    readonly rpoTargetMs: number;
    readonly mttrMs: number | null;
    readonly healthScore: number;
  };
  /** The last weekly summary, or null before the first. */
  readonly weeklySummary?: WeeklySummaryView | null;
  /** Every SOP-019 §7 indicator (formulas in docs/indicators.md), worded for the reader. */
  readonly indicators: readonly IndicatorView[];
  readonly recoveryKit: { readonly confirmed: boolean };
  /** The 3-2-1-1-0 rule from the configured copies: "3 copies · 2 media · 1 offsite · 1 immutable · 0 errors". */
  readonly copies: {
    readonly copies: number;
    readonly media: number;
    readonly offsite: number;
    readonly immutable: number;
    readonly errors: number;
    readonly ok: boolean;
    readonly text: string;
    /** Each point of the rule not met, with the action that fixes it (counting the server and the primary repository). */
    readonly missing?: readonly { readonly rule: string; readonly text: string }[];
  };
  readonly destinations: readonly DestinationState[];
  /** The last data check of the primary repository (the verification rotation reads it as it reads each copy). */
  readonly primaryVerification?: { readonly at: string; readonly ok: boolean; readonly slice: string | null; readonly errorCode: string | null } | null;
  readonly drill: { readonly lastAt: string | null; readonly dueAt: string | null; readonly overdue: boolean };
  readonly history: readonly { readonly at: string; readonly status: string; readonly resources: number; readonly bytesAdded: number }[];
  /** Each configured source (FHIR server, folders, databases) with its latest snapshot (null: never backed up). */
  readonly sources?: readonly {
    readonly kind: 'fhir' | 'folders' | 'database';
    readonly name: string;
    readonly lastSnapshotAt: string | null;
    readonly lastSnapshotId: string | null;
    readonly files: number | null;
  }[];
}

/** The weekly summary ("tudo certo" or what needs attention), kept for the app and sent by e-mail. */
export interface WeeklySummaryView {
  readonly from: string;
  readonly to: string;
  readonly allGood: boolean;
  /** What needs attention, in the reader's words (empty when all is well). */
  readonly attention: readonly string[];
  readonly backups: { readonly total: number; readonly ok: number; readonly failed: number; readonly bytesAdded: number };
  readonly snapshots: number;
  readonly copies: string;
  readonly lastDrill: { readonly at: string; readonly status: string } | null;
  readonly healthScore: number;
  readonly indicators: readonly IndicatorView[];
  /** The month's drill report PDF went with this summary (the month's first). */
  readonly drillReportAttached: boolean;
  /** The e-mail was sent (false: no e-mail configured). */
  readonly emailed: boolean;
}

/** One SOP-019 §7 indicator: its value (rates 0-1, durations in ms, the score 0-100), its target, and the words. */
export interface IndicatorView {
  readonly id: string;
  /** RPO: the tier ("local", "cloud"). */
  readonly subject: string | null;
  readonly unit: 'ratio' | 'duration' | 'score';
  readonly value: number | null;
  readonly target: number | null;
  readonly goal: 'atLeast' | 'atMost' | null;
  readonly tolerance: number;
  readonly met: boolean | null;
  readonly label: string;
  /** The value as shown ("99,5 %", "12 minutos", "sem dados ainda"). */
  readonly valueText: string;
  /** The target as shown, or null where SOP-019 sets none. */
  readonly targetText: string | null;
}
