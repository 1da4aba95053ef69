/**
 * Data residency (LGPD): health data leaves Brazil only when the user says so explicitly. A destination in a
 * region outside Brazil needs an acknowledgement stored with its settings; without it the destination is refused.
 */
import { isIP } from 'node:net';
import { EngineError } from '../../shared/index.js';

export interface BrazilianRegion {
  readonly provider: string;
  readonly region: string;
  readonly city: string;
}

/**
 * Region names of S3-compatible services located in Brazil (documented in docs/offsite.md). AWS regions are
 * matched by the "sa-east-" prefix; the others by exact name, because their neighbours are elsewhere
 * (e.g. Google's southamerica-west1 and Oracle's sa-santiago-1 are in Chile).
 */
export const BRAZILIAN_REGIONS: readonly BrazilianRegion[] = [
  { provider: 'AWS S3', region: 'sa-east-1', city: 'São Paulo' },
  { provider: 'Magalu Cloud Object Storage', region: 'br-se1', city: 'São Paulo (Sudeste)' },
  { provider: 'Magalu Cloud Object Storage', region: 'br-ne1', city: 'Nordeste' },
  { provider: 'Google Cloud Storage (XML API)', region: 'southamerica-east1', city: 'São Paulo' },
  { provider: 'Oracle Cloud Object Storage', region: 'sa-saopaulo-1', city: 'São Paulo' },
  { provider: 'Oracle Cloud Object Storage', region: 'sa-vinhedo-1', city: 'Vinhedo' },
  { provider: 'Huawei Cloud OBS', region: 'sa-brazil-1', city: 'São Paulo' },
  { provider: 'IBM Cloud Object Storage', region: 'br-sao', city: 'São Paulo' },
];

const EXACT = new Set(BRAZILIAN_REGIONS.map((r) => r.region));

export type ResidencyBasis = 'brazilian-region' | 'private-endpoint' | 'acknowledged';

export interface ResidencyDecision {
  readonly region: string;
  /** Why the destination is accepted. */
  readonly basis: ResidencyBasis;
  /** True when the data is known to stay in Brazil (a Brazilian region or a server on the clinic's own network). */
  readonly inBrazil: boolean;
}

export function isBrazilianRegion(region: string): boolean {
  const r = region.trim().toLowerCase();
  return r.startsWith('sa-east-') || EXACT.has(r);
}

/**
 * True for an endpoint on this machine or the clinic's network (loopback, RFC 1918, link-local, IPv6 ULA,
 * `.local`/`.lan` names): a MinIO on the office NAS keeps data in the clinic whatever region name it reports
 * (MinIO answers "us-east-1" by default).
 */
export function isPrivateEndpoint(endpoint: string | undefined): boolean {
  if (endpoint === undefined) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.lan') || host.endsWith('.internal')) return true;
  const v = isIP(host);
  if (v === 4) {
    const [a = -1, b = -1] = host.split('.').map(Number);
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (v === 6) return host === '::1' || /^f[cd][0-9a-f]{2}:/.test(host) || /^fe[89ab][0-9a-f]:/.test(host);
  return false;
}

/**
 * Refuses a region outside Brazil unless the user acknowledged it (RESIDENCY_NOT_ACKNOWLEDGED, with the
 * region in the details). `endpoint`, when given, exempts servers on the clinic's own network.
 */
export function checkResidency(region: string, acknowledged: boolean, endpoint?: string): ResidencyDecision {
  if (isBrazilianRegion(region)) return { region, basis: 'brazilian-region', inBrazil: true };
  if (isPrivateEndpoint(endpoint)) return { region, basis: 'private-endpoint', inBrazil: true };
  if (acknowledged) return { region, basis: 'acknowledged', inBrazil: false };
  throw new EngineError('RESIDENCY_NOT_ACKNOWLEDGED', { region: region === '' ? '—' : region });
}
