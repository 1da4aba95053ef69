/** Probes /metadata: is this FHIR R4, which types, and which ways of reading everything does it offer. */
import { EngineError } from '../../shared/index.js';
import { displayUrl, type FhirHttp } from './http.js';

export interface Capabilities {
  readonly fhirVersion: string;
  readonly software: string | null;
  /** Resource types the server exposes with search-type. */
  readonly searchTypes: readonly string[];
  /** The CapabilityStatement lists a system $export (a kick-off is tried anyway: many servers do not list it). */
  readonly systemExport: boolean;
  /** Types whose CapabilityStatement entry says updateCreate: false (a PUT of a new id is refused). */
  readonly noUpdateCreate: readonly string[];
  readonly systemHistory: boolean;
  /** Server's clock at the probe (Date header), for skew reports. */
  readonly serverDate: string | null;
}

interface CapabilityStatement {
  resourceType?: unknown;
  fhirVersion?: unknown;
  software?: { name?: unknown; version?: unknown };
  rest?: {
    mode?: unknown;
    resource?: { type?: unknown; interaction?: { code?: unknown }[]; updateCreate?: unknown }[];
    interaction?: { code?: unknown }[];
    operation?: { name?: unknown; definition?: unknown }[];
  }[];
}

export async function probeCapabilities(http: FhirHttp, signal?: AbortSignal): Promise<Capabilities> {
  let value: unknown;
  let response: Response;
  try {
    ({ value, response } = await http.getJson('metadata', signal));
  } catch (err) {
    if (err instanceof EngineError && (err.code === 'SOURCE_BAD_RESPONSE' || (err.code === 'SOURCE_HTTP' && err.details['status'] === 404))) {
      throw new EngineError('SOURCE_NOT_FHIR', { url: displayUrl(http.base) });
    }
    throw err;
  }
  const cs = value as CapabilityStatement;
  if (typeof value !== 'object' || value === null || cs.resourceType !== 'CapabilityStatement') throw new EngineError('SOURCE_NOT_FHIR', { url: displayUrl(http.base) });
  const version = typeof cs.fhirVersion === 'string' ? cs.fhirVersion : 'unknown';
  if (!version.startsWith('4.0')) throw new EngineError('SOURCE_FHIR_VERSION', { version });
  const rest = (cs.rest ?? []).find((r) => r.mode === 'server') ?? cs.rest?.[0];
  const searchTypes: string[] = [];
  const noUpdateCreate: string[] = [];
  for (const r of rest?.resource ?? []) {
    if (typeof r.type !== 'string') continue;
    if ((r.interaction ?? []).some((i) => i.code === 'search-type')) searchTypes.push(r.type);
    if (r.updateCreate === false) noUpdateCreate.push(r.type);
  }
  const ops = (rest?.operation ?? []).map((o) => String(o.name ?? '').replace(/^\$/, ''));
  return {
    fhirVersion: version,
    software: cs.software && typeof cs.software.name === 'string' ? `${cs.software.name} ${String(cs.software.version ?? '')}`.trim() : null,
    searchTypes: searchTypes.sort(),
    systemExport: ops.includes('export'),
    noUpdateCreate: noUpdateCreate.sort(),
    systemHistory: (rest?.interaction ?? []).some((i) => i.code === 'history-system'),
    serverDate: response.headers.get('date'),
  };
}
