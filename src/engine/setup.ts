/** Use cases of the setup: testing a FHIR source, finding drives and shares, and the SOP-019 §9 checklist. */
import { statfs } from 'node:fs/promises';
import path from 'node:path';
import { identifyDestination, mountedVolumes } from '../backend/local/identify.js';
import { parseBackendLocation } from '../backend/registry.js';
import { runDoctor } from '../doctor/doctor.js';
import { renderDoctorCheck } from '../doctor/render.js';
import type { DoctorDestinationInput } from '../doctor/types.js';
import { authProvider } from '../source/fhir/auth.js';
import { probeCapabilities } from '../source/fhir/capabilities.js';
import { FhirHttp } from '../source/fhir/http.js';
import type { DetectedDestination, DoctorReportView, SourceAuthSetting, SourceProbe } from '../shared/contract.js';
import { isEngineError } from '../shared/errors.js';
import type { EngineContext } from './context.js';
import { recoveryKitStatus } from './keys.js';
import { resolveSourceAuth } from './secrets.js';
import { getSettings } from './settings.js';

/** Tests a FHIR source (reachable, authorised, R4) without backing it up. */
export async function probeSource(ctx: EngineContext, request: { source: string; auth: SourceAuthSetting }): Promise<SourceProbe> {
  const http = new FhirHttp({ baseUrl: request.source, auth: authProvider(await resolveSourceAuth(ctx, request.auth)), maxAttempts: 2, timeoutMs: 15_000 });
  const caps = await probeCapabilities(http);
  // An authorised read, not only /metadata (which many servers answer without credentials).
  if (caps.searchTypes.includes('Patient')) await http.getJson('Patient?_count=1&_summary=count');
  return { fhirVersion: caps.fhirVersion, software: caps.software, systemExport: caps.systemExport, systemHistory: caps.systemHistory, types: caps.searchTypes.length };
}

/** Candidate local destinations (mounted drives and shares) and what each holds. */
export async function detectDestinations(ctx: EngineContext): Promise<DetectedDestination[]> {
  const out: DetectedDestination[] = [];
  for (const p of await mountedVolumes()) {
    const id = await identifyDestination(p);
    let fs: { bavail: number; bsize: number; blocks: number } | null = null;
    try {
      fs = await statfs(p);
    } catch (err) {
      // The volume went away or cannot say its size: listed without it (the logs say why).
      ctx.bus.diagnostic('volume size', err);
    }
    out.push({ path: id.path, state: id.state, repoId: id.repoId, freeBytes: fs ? fs.bavail * fs.bsize : null, totalBytes: fs ? fs.blocks * fs.bsize : null });
  }
  return out;
}

/** The SOP-019 §9 checklist, each check with plain-language text and a fix. Works without a repository too. */
export async function doctor(ctx: EngineContext): Promise<DoctorReportView> {
  let repo = null;
  try {
    repo = await ctx.repo();
  } catch (err) {
    // No repository (yet), or it cannot be opened: the checklist says so through its own destination checks.
    if (!isEngineError(err)) throw err;
  }
  const catalog = repo ? await ctx.catalog() : null;
  const settings = catalog ? await getSettings(ctx) : null;
  const destinations: DoctorDestinationInput[] = [];
  for (const loc of [ctx.options.repo, ...ctx.copies().map((c) => c.location)]) {
    const parsed = parseBackendLocation(loc);
    if (parsed.type === 'local') destinations.push({ id: loc, kind: 'local', path: path.resolve(parsed.path) });
    else {
      const credentials = await ctx.s3Credentials(parsed.bucket);
      const region = ctx.regionFor(loc);
      destinations.push({ id: loc, kind: 's3', options: { bucket: parsed.bucket, prefix: parsed.prefix, region, ...(parsed.endpoint ? { endpoint: parsed.endpoint, forcePathStyle: true } : {}), ...(credentials ? { credentials } : {}) } });
    }
  }
  const report = await runDoctor({
    ...(settings?.source ? { source: { url: settings.source.url, auth: await resolveSourceAuth(ctx, settings.source.auth) } } : {}),
    destinations,
    secretStore: ctx.options.secretStore ? { kind: 'safeStorage' } : ctx.options.passwordFile ? { kind: 'file' } : { kind: 'keychain', ...(ctx.options.keychainService ? { service: ctx.options.keychainService } : {}) },
    ...(repo ? { schedule: { lockDir: ctx.stateDir(repo.id), repoId: repo.id } } : {}),
    ...(catalog ? { drill: { lastAt: catalog.lastDrill(['success'])?.startedAt ?? null }, recoveryKit: { confirmed: (await recoveryKitStatus(ctx)).confirmed } } : {}),
  });
  return {
    ok: report.ok,
    checks: report.checks.map((c) => {
      const r = renderDoctorCheck(c, { locale: ctx.locale });
      return { id: c.id, subject: c.subject ?? null, status: c.status, severity: c.severity, title: r.title, detail: r.detail, fix: r.fix };
    }),
  };
}
