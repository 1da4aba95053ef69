/** Restores as they cross the contract: scopes, plans, results (src/shared/contract.ts re-exports them). */
import type { ErrorCode } from './errors.js';
import type { SourceAuthSetting } from './settings.js';

/** A restore to a folder of NDJSON files: the scope (snapshot, date, types, patient) and where to write. */
export interface RestoreToFolderRequest extends RestoreScopeRequest {
  readonly target: string;
  readonly overwrite?: boolean;
  /** Explicit confirmation; without it nothing is written. */
  readonly confirmed: boolean;
}

export interface RestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly bytesRead: number;
  readonly failures: readonly { readonly resource: string; readonly code: string; readonly file?: string }[];
  readonly durationMs: number;
  /** Attachments written beside the NDJSON (attachments/ and attachments.ndjson). */
  readonly attachments?: { readonly files: number; readonly bytes: number; readonly listed: number };
  /** Patient scope: compartment resources that also concern other patients (written only when sharedIncluded). */
  readonly shared?: readonly SharedResourceSummary[];
  readonly sharedIncluded?: boolean;
  /** Parts of a damaged snapshot's listing that could not be read (their resources were not restored). */
  readonly listingLost?: readonly ListingLossSummary[];
  /** Types asked for that the snapshot does not hold. */
  readonly missingTypes?: readonly string[];
}

/** A restore into a FHIR server, planned before anything is written (ARCHITECTURE.md §6). */
export interface RestorePlan {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly target: string;
  readonly selection: { readonly types?: readonly string[]; readonly patient?: string };
  /** Types in the order they will be written. */
  readonly order: readonly string[];
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  /** On the target already (will be overwritten with the backup's version). */
  readonly existing: number;
  /**
   * On the target with content that differs from the backup (server-managed meta such as versionId and
   * lastUpdated ignored) and a later lastUpdated: writing would replace newer data (the first 500).
   */
  readonly newerOnTarget: readonly { readonly resource: string; readonly target: string; readonly backup: string | null }[];
  /** How many resources are newer on the target in all. */
  readonly newerOnTargetTotal?: number;
  /** On the target already with the same content as the backup (writing changes nothing). */
  readonly sameOnTarget?: number;
  readonly criticalTypes: readonly string[];
  readonly server: { readonly fhirVersion: string; readonly software: string | null };
  /** References from restored resources to resources outside the selection (patient scope), all of them. */
  readonly danglingReferences?: readonly string[];
  /**
   * Ids: kept (PUT), or assigned by the target (it does not create by PUT: its CapabilityStatement says so, or
   * it refuses when tried), with the old → new map kept per target (`file`; `known` entries from earlier runs).
   */
  readonly ids?: { readonly mode: 'kept' | 'server-assigned'; readonly reason: 'capability' | 'default'; readonly known: number; readonly file: string | null };
  /** Attachments of the restored resources: Binaries to create first, links pointed at them. */
  readonly attachments?: {
    readonly count: number;
    readonly stored: number;
    readonly bytes: number;
    /** Binaries this restore creates (their links are rewritten to the new locations). */
    readonly binaries: number;
    /** Created by an earlier restore into this target (reused). */
    readonly alreadyOnTarget: number;
    /** Links to Binary resources restored with the data (they follow those resources). */
    readonly followResources: number;
    /** Attachments whose content is not in the backup (other hosts, failed downloads): links left as they were. */
    readonly notStored: number;
  };
  /** Server-administration resources (projects, logins, client secrets) in the selection: left out unless included. */
  readonly administration?: { readonly included: boolean; readonly counts: Readonly<Record<string, number>> };
  /**
   * Patient scope: every compartment resource that also concerns other patients (a Group, a shared Encounter …),
   * with those patients. Not written unless sharedIncluded.
   */
  readonly shared?: readonly SharedResourceSummary[];
  readonly sharedIncluded?: boolean;
  /** Parts of a damaged snapshot's listing that could not be read: per type, how many resources (null: unknown). */
  readonly listingLost?: readonly ListingLossSummary[];
  /** Types asked for that the snapshot does not hold. */
  readonly missingTypes?: readonly string[];
}

/** What a restore to a folder would write (planned first, like a server restore). */
export interface FolderRestorePlan {
  readonly snapshotId: string;
  readonly snapshotTime: string;
  readonly counts: Readonly<Record<string, number>>;
  readonly resources: number;
  readonly bytes: number;
  readonly shared: readonly SharedResourceSummary[];
  readonly sharedIncluded: boolean;
  readonly listingLost: readonly ListingLossSummary[];
  /** Types asked for that the snapshot does not hold. */
  readonly missingTypes: readonly string[];
}

export interface SharedResourceSummary {
  readonly resource: string;
  readonly patients: readonly string[];
}

export interface ListingLossSummary {
  readonly type: string | null;
  readonly resources: number | null;
}

export interface ResourceOutcome {
  readonly resource: string;
  readonly status: 'created' | 'updated' | 'failed' | 'unreadable';
  readonly code?: ErrorCode | string;
  readonly outcome?: string;
}

export interface FhirRestoreResult {
  readonly snapshotId: string;
  readonly target: string;
  readonly restored: number;
  readonly skippedFromJournal: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly failures: readonly ResourceOutcome[];
  readonly bytes: number;
  readonly bytesRead: number;
  /** Time until the Critical tier (patients, allergies) was fully restored: when the clinic can work again. */
  readonly timeToCriticalMs: number | null;
  readonly durationMs: number;
  readonly verification: { readonly checked: number; readonly mismatches: readonly string[] } | null;
  readonly requests: number;
  /** How ids were handled; with server-assigned ids, the old → new map (kept in `file`; a sample here). */
  readonly ids?: {
    readonly mode: 'kept' | 'server-assigned';
    /** The first resource whose PUT the target refused, when the switch to server-assigned ids happened mid-way. */
    readonly detectedAt?: string;
    /** New mappings made by this restore. */
    readonly assigned: number;
    readonly known: number;
    readonly file: string | null;
    readonly sample: readonly { readonly from: string; readonly to: string }[];
    /** Resources rewritten after the fact because they pointed at resources created later. */
    readonly fixedReferences: number;
  };
  readonly attachments?: { readonly binariesCreated: number; readonly alreadyOnTarget: number; readonly bytes: number; readonly failed: number; readonly notStored: number };
  /** Server-administration resources left out (by default), and those the target refused when included. */
  readonly administration?: { readonly excluded: readonly { readonly type: string; readonly count: number }[]; readonly refused: readonly { readonly resource: string; readonly code: string }[] };
}

export interface RestoreScopeRequest {
  /** Snapshot id, unique prefix or "latest" (default). */
  readonly snapshot?: string;
  /** The latest snapshot taken at or before this date/time. */
  readonly asOf?: string;
  readonly types?: readonly string[];
  readonly patient?: string;
  /** Patient scope: also write the resources that concern other patients too (listed in the plan). */
  readonly includeShared?: boolean;
}

export interface ResourceListing {
  readonly type: string;
  readonly id: string;
  readonly versionId: string | null;
  readonly lastUpdated: string | null;
  readonly size: number;
  readonly patients: readonly string[];
}

/** A restore into a FHIR server: the scope, the server and how to sign in to it. */
export interface ServerRestoreRequest extends RestoreScopeRequest {
  readonly target: string;
  readonly auth: SourceAuthSetting;
  /** Also write server-administration resources (projects, logins, client applications); default: left out. */
  readonly includeAdministration?: boolean;
}

/** A patient found in a snapshot by name or id (for the one-patient restore). */
export interface PatientMatch {
  readonly id: string;
  readonly name: string;
  readonly birthDate: string | null;
}

export interface PatientSearchResult {
  readonly snapshotId: string;
  readonly patients: PatientMatch[];
  /** How many patients match in all (more than listed when over the limit). */
  readonly total: number;
}

export interface ResourceListResult {
  readonly snapshotId: string;
  readonly resources: ResourceListing[];
  readonly missingTypes: string[];
}
