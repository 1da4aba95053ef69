/** Use cases of the setup: testing a FHIR source, finding drives and shares, and the SOP-019 §9 checklist. */
import { readdir, realpath, statfs } from 'node:fs/promises';
import path from 'node:path';
import { identifyDestination, mountedVolumes, OFFSITE_PROVIDERS, parseBackendLocation } from '../backend/index.js';
import { type DoctorDestinationInput, renderDoctorCheck, runDoctor } from '../doctor/index.js';
import { authProvider, FhirHttp, probeCapabilities } from '../source/index.js';
import {
  type DetectedDestination,
  type DoctorReportView,
  EngineError,
  type FolderListing,
  type FolderRoot,
  isEngineError,
  type OffsiteProvider,
  type SourceAuthSetting,
  type SourceProbe,
} from '../shared/index.js';
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

/** Folders listed at most, per folder (a picker, not a file manager). */
const MAX_FOLDERS = 500;
/** The folder a new repository goes into, inside the chosen one. */
export const REPOSITORY_FOLDER = 'ClinicBackup';

async function spaceOf(ctx: EngineContext, p: string): Promise<{ freeBytes: number | null; totalBytes: number | null }> {
  try {
    const fs = await statfs(p);
    return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
  } catch (err) {
    ctx.bus.diagnostic('volume size', err);
    return { freeBytes: null, totalBytes: null };
  }
}

/** The picker's roots: detected drives and shares, then the folders the installer allowed; each real path once. */
async function browseRoots(ctx: EngineContext): Promise<string[]> {
  const out: string[] = [];
  for (const p of [...(await mountedVolumes()), ...(ctx.options.browseRoots ?? [])]) {
    try {
      const real = await realpath(path.resolve(p));
      if (!out.includes(real)) out.push(real);
    } catch {
      // A root that went away is not offered.
    }
  }
  return out;
}

/**
 * The server-side folder picker: with no path, the roots with their free space; with a path, the folders inside
 * it (hidden ones and files left out), what it holds, and where a repository would go. A path outside every root
 * (or leading out of one through a link) is refused: the page can only walk the drives and shares offered.
 */
export async function browseFolders(ctx: EngineContext, request: { path?: string }): Promise<FolderListing> {
  const roots = await browseRoots(ctx);
  const rootRows: FolderRoot[] = [];
  for (const r of roots) rootRows.push({ path: r, ...(await spaceOf(ctx, r)) });
  if (request.path === undefined) return { path: null, parent: null, roots: rootRows, folders: [], state: null, suggested: null, truncated: false };
  let real: string;
  try {
    real = await realpath(path.resolve(request.path));
  } catch {
    throw new EngineError('INVALID_ARGUMENT', { field: 'path', reason: 'not an existing folder' });
  }
  const root = roots.find((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
  if (!root) throw new EngineError('INVALID_ARGUMENT', { field: 'path', reason: 'outside the drives and shares offered' });
  let entries;
  try {
    entries = await readdir(real, { withFileTypes: true });
  } catch {
    throw new EngineError('INVALID_ARGUMENT', { field: 'path', reason: 'not a readable folder' });
  }
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
  const id = await identifyDestination(real);
  const suggested = id.state === 'repository' || id.state === 'empty' ? real : path.join(real, REPOSITORY_FOLDER);
  return {
    path: real,
    parent: real === root ? null : path.dirname(real),
    roots: rootRows,
    folders: names.slice(0, MAX_FOLDERS).map((name) => ({ name, path: path.join(real, name) })),
    state: id.state,
    suggested,
    truncated: names.length > MAX_FOLDERS,
  };
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
      destinations.push({
        id: loc,
        kind: 's3',
        options: { bucket: parsed.bucket, prefix: parsed.prefix, region, ...(parsed.endpoint ? { endpoint: parsed.endpoint, forcePathStyle: true } : {}), ...(credentials ? { credentials } : {}) },
      });
    }
  }
  const report = await runDoctor({
    ...(settings?.source ? { source: { url: settings.source.url, auth: await resolveSourceAuth(ctx, settings.source.auth) } } : {}),
    destinations,
    secretStore: ctx.options.secretStore
      ? { kind: 'safeStorage' }
      : ctx.options.passwordFile
        ? { kind: 'file' }
        : { kind: 'keychain', ...(ctx.options.keychainService ? { service: ctx.options.keychainService } : {}) },
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

/** Offsite providers by name, their service addresses and regions (backend/s3/providers.ts). */
export function offsiteProviders(): OffsiteProvider[] {
  return [...OFFSITE_PROVIDERS];
}
