/** What startSandbox takes and gives: options, the store seen from outside, the request log, the server handle. */
import type { SandboxAuth } from './auth.js';
import type { DocumentSeedOptions, SeededDocument } from './documents.js';
import type { FaultController, FaultSettings } from './faults.js';

export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: '127.0.0.1';
  /** Synthetic patients loaded at start (default 10; 0 for an empty server). */
  patients?: number;
  seed?: number;
  /** startDate of the synthetic data (default 2024-01-01). */
  startDate?: string;
  auth?: SandboxAuth;
  /** Status polls answered 202 before the manifest (default 0: ready at the first poll). */
  exportPollsBeforeReady?: number;
  /** Retry-After (seconds) on 202 status polls (default 1). */
  exportRetryAfterSeconds?: number;
  /** Output files are split above this many resources (default 50 000). */
  maxResourcesPerFile?: number;
  /** Server clock = real clock + offset. */
  clockOffsetMs?: number;
  /** Fault switches set at start. */
  faults?: FaultSettings;
  /** Create Group/all-patients listing the seeded patients (default true when patients > 0). */
  createGroup?: boolean;
  /** Largest request body accepted (default 512 MiB). */
  maxBodyBytes?: number;
  /** Also listen on a second port (another origin on this machine), e.g. as the host of export files. */
  secondHost?: boolean;
  /** Seed exam documents and images as Binary resources pointed to by URL (documents.ts). */
  documents?: DocumentSeedOptions;
  /** Seed a Medplum-like server's administration resources (Project, ProjectMembership, ClientApplication, User). */
  administration?: boolean;
}

export interface SandboxStore {
  count(type?: string): number;
  /** Raw JSON text of the current version, undefined when absent or deleted. */
  get(type: string, id: string): string | undefined;
  all(): Iterable<{ type: string; id: string; text: string }>;
  /** Creates or updates like a PUT (server assigns meta); returns the stored text. */
  put(type: string, id: string, text: string): string;
  /** Deletes like a DELETE; false when there was nothing to delete. */
  delete(type: string, id: string): boolean;
}

export interface RequestLogEntry {
  method: string;
  /** Path and query. */
  target: string;
  /** The Host header the client sent. */
  host: string;
  /** Whether an Authorization header was sent. */
  authorization: boolean;
}

export interface SandboxServer {
  /** FHIR base, e.g. http://127.0.0.1:PORT/fhir */
  url: string;
  origin: string;
  port: number;
  /** The second listener's origin (`secondHost`), e.g. http://127.0.0.1:OTHERPORT; null without it. */
  secondOrigin: string | null;
  /** The documents seeded (`documents`): owner, URL, SHA-256 and size of each attachment. */
  documents: readonly SeededDocument[];
  /** SMART token endpoint (POST, form encoded). */
  tokenUrl: string;
  /** Control API for fault switches (GET / POST JSON / DELETE). */
  controlUrl: string;
  faults: FaultController;
  store: SandboxStore;
  /** FHIR requests served so far (the control API is not counted). */
  readonly requests: number;
  /** The last 1000 requests (for "which host got credentials" checks). */
  readonly requestLog: readonly RequestLogEntry[];
  close(): Promise<void>;
}
