/** The application settings as they cross the contract (src/shared/contract.ts re-exports them). */

/** A configured copy of the repository (NAS share, rotating USB drive, S3 bucket). */
export interface DestinationConfig {
  readonly location: string;
  readonly kind: 'nas' | 'usb' | 's3' | 'local';
  readonly label?: string;
  readonly offsite?: boolean;
  /** S3 Object Lock or otherwise write-once. */
  readonly immutable?: boolean;
  /** USB rotation: a drive not updated for this many days is overdue (default 7). */
  readonly rotateDays?: number;
  /** Safely eject a USB drive after it was updated. */
  readonly eject?: boolean;
  /** S3 region of a bucket copy (default: the engine's s3Region). */
  readonly region?: string;
}

/** Retention rules the settings screen edits (GFS counts; the legal floor cannot go below the law). */
export interface RetentionSetting {
  readonly keepLast?: number;
  readonly keepDaily?: number;
  readonly keepWeekly?: number;
  readonly keepMonthly?: number;
  readonly keepYearly?: number;
  readonly legalFloorYears?: number;
  readonly timeZone?: string;
}

/** The FHIR server backed up, and how. */
export interface SourceSetting {
  readonly url: string;
  readonly auth: SourceAuthSetting;
  /**
   * Other addresses the clinic trusts with the server's credentials and files ("Other allowed addresses"): a file
   * server or bucket holding export files or attachments. "host", "host:port" or "https://host".
   */
  readonly allowedHosts?: readonly string[];
  /** Minutes a resumed server export may show no progress before it is replaced by a fresh one (default 10). */
  readonly exportStuckMinutes?: number;
}

/** How the app reaches the FHIR source. Credentials appear only as names of stored secrets (or files for the CLI). */
export type SourceAuthSetting =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly tokenSecret?: string; readonly tokenFile?: string }
  | { readonly kind: 'basic'; readonly username: string; readonly passwordSecret?: string; readonly passwordFile?: string }
  | {
      readonly kind: 'smart';
      readonly clientId: string;
      readonly tokenUrl: string;
      readonly keySecret?: string;
      readonly keyFile?: string;
      readonly keyId?: string;
      /** One scope to ask for (default: "system/*.rs", then "system/*.read"). */
      readonly scope?: string;
      /** Scopes tried in turn (e.g. ["system/*.rs", "system/*.*"]); each entry may hold several, space-separated. */
      readonly scopes?: readonly string[];
    };

/** A schedule as stored in settings (see policy/schedule.ts for the full validation). */
export type ScheduleSetting =
  | { readonly kind: 'interval'; readonly everyMinutes: number; readonly timeZone?: string; readonly window?: { readonly from: string; readonly to: string } }
  | { readonly kind: 'daily'; readonly at: string; readonly timeZone?: string }
  | { readonly kind: 'weekly'; readonly weekday: number; readonly at: string; readonly timeZone?: string }
  | { readonly kind: 'monthly'; readonly day: number; readonly at: string; readonly timeZone?: string };

/** E-mail alerts (SMTP). The password is the name of a stored secret. */
export interface EmailAlertSetting {
  readonly host: string;
  readonly port?: number;
  readonly security?: 'tls' | 'starttls' | 'none';
  readonly username?: string;
  readonly passwordSecret?: string;
  readonly from: string;
  readonly to: readonly string[];
}

/** Webhook alerts (JSON POST, optionally HMAC-signed with a stored secret). */
export interface WebhookAlertSetting {
  readonly url?: string;
  readonly urlSecret?: string;
  readonly signingSecret?: string;
}

/**
 * A database to back up with a dump (docs/sources.md). The password is never here: `passwordSecret` names it in
 * the secret store.
 */
export type DatabaseSourceSetting =
  | {
      readonly kind: 'postgres' | 'mysql';
      readonly host: string;
      readonly port?: number;
      readonly user: string;
      readonly database: string;
      readonly passwordSecret?: string;
      readonly toolDir?: string;
    }
  | { readonly kind: 'firebird'; readonly host?: string; readonly port?: number; readonly user: string; readonly database: string; readonly passwordSecret?: string; readonly toolDir?: string }
  | { readonly kind: 'sqlite'; readonly path: string };

/** A folder source: its folders, backed up together into one snapshot, with exclusions on top of the defaults. */
export interface FolderSourceSetting {
  readonly kind: 'folders';
  /** Unique among the sources; its snapshots carry it (manifest source.location). */
  readonly name: string;
  readonly paths: readonly string[];
  readonly exclude?: readonly string[];
  /** An empty folder is normal for this source (else it is an error: an unmounted share?). */
  readonly allowEmpty?: boolean;
}

export interface DatabaseSourceEntry {
  readonly kind: 'database';
  readonly name: string;
  readonly database: DatabaseSourceSetting;
}

/** A source besides the FHIR server (settings `source`): folders or a database. */
export type ExtraSourceSetting = FolderSourceSetting | DatabaseSourceEntry;

export interface AppSettings {
  readonly language: 'pt-BR' | 'en';
  readonly clinicName?: string;
  readonly source: SourceSetting | null;
  /** Folder and database sources; the scheduled backup runs every one of them after the FHIR server. */
  readonly sources?: readonly ExtraSourceSetting[];
  readonly schedule: {
    readonly backup: ScheduleSetting;
    readonly drill: ScheduleSetting;
    /** The verification rotation (check --read-data-subset), the nightly retention, the weekly summary, alert evaluation. */
    readonly check?: ScheduleSetting;
    readonly retention?: ScheduleSetting;
    readonly summary?: ScheduleSetting;
    readonly alerts?: ScheduleSetting;
  };
  readonly alerts?: { readonly email?: EmailAlertSetting | null; readonly webhook?: WebhookAlertSetting | null };
  /** Retention in force (the default until changed). */
  readonly retention?: RetentionSetting;
  /** Copies added from the user interface (read-only here: addCopy/removeCopy change them). */
  readonly copies?: readonly DestinationConfig[];
  /**
   * Shrink guard: a backup holding more than this percentage fewer resources than the previous one of the same
   * source is kept but marked suspicious, with a high alert (default 30; 0 turns it off).
   */
  readonly shrinkGuardPercent?: number;
  /** The clinic's IANA time zone; every time shown is in it (default America/Sao_Paulo). */
  readonly timeZone?: string;
}
