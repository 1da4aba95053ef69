/**
 * SOP-019 §9 for the FHIR source: network connectivity, credentials and permissions, the services the
 * backup depends on ($export), and the clock (a skewed clock breaks SMART tokens and S3 signatures).
 *
 * /metadata is probed without credentials (servers publish it openly; a failing token endpoint must not
 * look like an unreachable server), then one small authenticated read shows whether the credentials
 * are accepted. Doctor requests are not retried much: the user waits for the answer.
 */
import { EngineError } from '../shared/index.js';
import { authProvider, type Capabilities, displayUrl, FhirHttp, NO_AUTH, probeCapabilities, type SourceAuth } from '../source/index.js';
import type { Clock } from '../scheduler/index.js';
import { codeOf, detail, result } from './result.js';
import type { DoctorCheck, DoctorLimits, DoctorSourceInput } from './types.js';

const NO_WAIT = async (): Promise<void> => undefined;

function reachableFailure(err: unknown, url: string): DoctorCheck {
  const code = codeOf(err);
  const params = { url, code, status: detail(err, 'status'), version: detail(err, 'version'), host: detail(err, 'host') };
  switch (code) {
    case 'SOURCE_UNREACHABLE':
    case 'TIMEOUT':
      return result('source.reachable', 'fail', 'unreachable', { params, fix: 'sourceUnreachable' });
    case 'SOURCE_DNS':
      return result('source.reachable', 'fail', 'dns', { params, fix: 'sourceDns' });
    case 'SOURCE_TLS':
      return result('source.reachable', 'fail', 'tls', { params, fix: 'sourceTls' });
    case 'SOURCE_NOT_FHIR':
      return result('source.reachable', 'fail', 'notFhir', { params, fix: 'sourceNotFhir' });
    case 'SOURCE_FHIR_VERSION':
      return result('source.reachable', 'fail', 'version', { params, fix: 'sourceVersion' });
    case 'SOURCE_HTTP':
      return result('source.reachable', 'fail', 'http', { params, fix: 'sourceHttp' });
    case 'INVALID_ARGUMENT':
      return result('source.reachable', 'fail', 'badUrl', { params: { url, code }, fix: 'sourceBadUrl' });
    default:
      return result('source.reachable', 'fail', 'error', { params, fix: 'sourceUnreachable' });
  }
}

function authorisedFailure(err: unknown, auth: SourceAuth): DoctorCheck {
  const code = codeOf(err);
  const params = { code, status: detail(err, 'status'), auth: auth.kind, url: detail(err, 'url') };
  if (code === 'SOURCE_AUTH') {
    return auth.kind === 'none'
      ? result('source.authorised', 'fail', 'needsCredentials', { params, fix: 'sourceNeedsCredentials' })
      : result('source.authorised', 'fail', 'refused', { params, fix: 'sourceCredentials' });
  }
  if ((code === 'SOURCE_UNREACHABLE' || code === 'TIMEOUT') && auth.kind === 'smart') {
    return result('source.authorised', 'fail', 'tokenEndpoint', { params, fix: 'sourceTokenEndpoint' });
  }
  if (code === 'INVALID_ARGUMENT') return result('source.authorised', 'fail', 'badConfig', { params: { ...params, field: detail(err, 'field') }, fix: 'sourceCredentials' });
  if ((code === 'SOURCE_HTTP' || code === 'SOURCE_FORBIDDEN') && params.status === 403) return result('source.authorised', 'fail', 'refused', { params, fix: 'sourceCredentials' });
  return result('source.authorised', 'fail', 'error', { params, fix: 'sourceCredentials' });
}

/** The four source checks, in order: reachable, authorised, export, clock. */
export async function checkSource(input: DoctorSourceInput, clock: Clock, limits: DoctorLimits, signal?: AbortSignal): Promise<DoctorCheck[]> {
  const auth: SourceAuth = input.auth ?? { kind: 'none' };
  const timeoutMs = input.timeoutMs ?? 10_000;
  let url: string;
  let open: FhirHttp;
  try {
    open = new FhirHttp({ baseUrl: input.url, auth: NO_AUTH, timeoutMs, maxAttempts: 1, sleep: NO_WAIT });
    url = displayUrl(open.base).replace(/\/$/, '');
  } catch (err) {
    const skip = (id: 'source.authorised' | 'source.export' | 'source.clock'): DoctorCheck => result(id, 'skip', 'skipped');
    return [reachableFailure(err, displayUrl(input.url)), skip('source.authorised'), skip('source.export'), skip('source.clock')];
  }

  let authed: FhirHttp | null = null;
  let authError: unknown = null;
  try {
    authed = new FhirHttp({ baseUrl: input.url, auth: authProvider(auth), timeoutMs, maxAttempts: 1, sleep: NO_WAIT });
  } catch (err) {
    authError = err; // e.g. a SMART private key that is not a key: reported by the authorised check
  }

  let caps: Capabilities | null = null;
  let reachable: DoctorCheck;
  try {
    try {
      caps = await probeCapabilities(open, signal);
    } catch (err) {
      // Some servers protect /metadata too: ask again with the credentials.
      if (!(err instanceof EngineError && err.code === 'SOURCE_AUTH') || auth.kind === 'none' || !authed) throw err;
      caps = await probeCapabilities(authed, signal);
    }
    reachable = result('source.reachable', 'pass', 'ok', { params: { url, fhirVersion: caps.fhirVersion, software: caps.software } });
  } catch (err) {
    if (err instanceof EngineError && err.code === 'CANCELLED') throw err;
    reachable = reachableFailure(err, url);
  }
  if (!caps) return [reachable, result('source.authorised', 'skip', 'skipped'), result('source.export', 'skip', 'skipped'), result('source.clock', 'skip', 'skipped')];
  const localAtProbe = clock.now().getTime();

  // Credentials: one tiny read of a resource type the server lists (Patient when it can).
  const type = caps.searchTypes.includes('Patient') ? 'Patient' : (caps.searchTypes[0] ?? 'Patient');
  let authorised: DoctorCheck;
  try {
    if (!authed) throw authError;
    const res = await authed.request(`${type}?_count=1`, {}, { signal, retries: false });
    // Best effort: only the status matters; a body that cannot be discarded is dropped with the connection.
    await res.body?.cancel().catch(() => undefined);
    authorised =
      auth.kind === 'none'
        ? result('source.authorised', 'warn', 'open', { severity: 'low', params: { type }, fix: 'sourceOpen' })
        : result('source.authorised', 'pass', 'ok', { params: { type, auth: auth.kind } });
  } catch (err) {
    if (err instanceof EngineError && err.code === 'CANCELLED') throw err;
    authorised = authorisedFailure(err, auth);
  }

  const exportCheck = caps.systemExport
    ? result('source.export', 'pass', 'ok')
    : result('source.export', 'warn', 'missing', { severity: 'low', params: { history: caps.systemHistory }, fix: 'exportMissing' });

  let clockCheck: DoctorCheck;
  const serverMs = caps.serverDate ? Date.parse(caps.serverDate) : NaN;
  if (!Number.isFinite(serverMs)) {
    clockCheck = result('source.clock', 'skip', 'noDate');
  } else {
    // The Date header has a resolution of one second: differences under 2 s are noise.
    const skewMs = serverMs - localAtProbe;
    const params = {
      skewMinutes: Math.round(Math.abs(skewMs) / 60_000),
      skewSeconds: Math.round(skewMs / 1000),
      serverAt: new Date(serverMs).toISOString(),
      localAt: new Date(localAtProbe).toISOString(),
    };
    clockCheck =
      Math.abs(skewMs) > limits.maxClockSkewMs
        ? result('source.clock', 'warn', skewMs > 0 ? 'serverAhead' : 'serverBehind', { severity: 'medium', params, fix: 'clockSkew' })
        : result('source.clock', 'pass', 'ok', { params });
  }
  return [reachable, authorised, exportCheck, clockCheck];
}
