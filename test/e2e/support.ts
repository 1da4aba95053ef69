/**
 * Browser end-to-end support: a real sandbox FHIR server, a real repository folder with a password file,
 * real SQLite and the real `serve` front end, driven by Debian's Chromium through playwright-core.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServeApp, type ServeApp } from '../../src/serve/index.js';
import { ROOT } from '../support/cli.js';
import { writePasswordFile } from '../support/repo.js';
import { tempDir } from '../support/tmp.js';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');
export const RENDERER_DIST = path.join(ROOT, 'renderer', 'dist');
/** The screen size of the receptionist's PC the issue names: every browser test runs at it. */
export const VIEWPORT = { width: 1366, height: 768 } as const;

/**
 * A screenshot for docs/screenshots, written only when UPDATE_SCREENSHOTS=1: an ordinary test run never modifies
 * tracked files. Without it the screenshot is still taken (into memory) so the page is proved to render.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env['UPDATE_SCREENSHOTS'] === '1') {
    await mkdir(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  } else {
    await page.screenshot();
  }
}

/** `npm test` builds the renderer first; a direct run of these files builds it when it is missing. */
export function ensureRendererBuilt(): void {
  if (existsSync(path.join(RENDERER_DIST, 'index.html'))) return;
  const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'renderer/vite.config.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('renderer build failed');
}

/** Headless Chromium with the project's flags; Playwright gives every launch a fresh temporary --user-data-dir. */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  after(() => browser.close());
  return browser;
}

export interface Stack {
  readonly app: ServeApp;
  readonly dir: string;
  readonly repo: string;
  readonly passphrase: string;
}

/**
 * serve on a fresh (empty) repository folder: the UI starts at the welcome screen. With `withoutRepo`, serve starts
 * without one (as `clinic-backup serve` with no --repo) and the folder picker offers a "USB drive" (a folder with
 * a photo on it): `repo` is where the wizard's suggestion puts the repository, inside that drive.
 */
export async function startStack(locale: 'pt-BR' | 'en' = 'pt-BR', options: { withoutRepo?: boolean; noPasswordFile?: boolean } = {}): Promise<Stack> {
  ensureRendererBuilt();
  const dir = await tempDir('cb-e2e-');
  const passphrase = `e2e-passphrase-${Math.random().toString(36).slice(2)}`;
  const passwordFile = await writePasswordFile(dir, passphrase);
  const secretsDir = path.join(dir, 'secrets');
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const drive = path.join(dir, 'usb-clinica');
  await mkdir(drive);
  await writeFile(path.join(drive, 'fotos-da-festa.jpg'), 'not a backup');
  const repo = options.withoutRepo ? path.join(drive, 'ClinicBackup') : path.join(dir, 'repo');
  if (!options.withoutRepo) await mkdir(repo);
  // Without a password file the keys go to the keychain (or, where there is none, the passphrase the wizard asks for).
  const engine = options.noPasswordFile ? { stateDir: path.join(dir, 'state'), browseRoots: [drive] } : { passwordFile, secretsDir, stateDir: path.join(dir, 'state'), browseRoots: [drive] };
  const app = await startServeApp({ ...(options.withoutRepo ? {} : { repo }), locale, engine, rendererDir: RENDERER_DIST });
  after(() => app.close());
  return { app, dir, repo, passphrase };
}

const AXE_SOURCE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Accessibility check of what the page shows now: every control labelled, then axe-core (WCAG 2.1 A and AA: labels, names, roles,
 * colour contrast, landmarks, focusable elements). Fails with each violation's rule and the elements at fault.
 */
export async function assertAccessible(page: Page, where: string): Promise<void> {
  // Our own rule first, stricter than axe's: every form control has a label (not only a title or placeholder).
  const unlabelled = (await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
    .filter((e) => e.type !== 'hidden' && !((e.labels && e.labels.length > 0) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent.trim())))
    .map((e) => e.outerHTML.slice(0, 80))`)) as string[];
  assert.deepEqual(unlabelled, [], `${where}: controls without a label`);
  // Evaluated through the DevTools protocol: the app's Content-Security-Policy (rightly) blocks injected script tags.
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(await readFile(AXE_SOURCE, 'utf8'));
  // A string, evaluated in the page (this file is type-checked without the DOM library).
  const violations = (await page.evaluate(`window.axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1, 2).join('')).join(' | ')))`)) as string[];
  assert.deepEqual(violations, [], `${where}: accessibility violations`);
}

/**
 * English and jargon a receptionist should never read on a pt-BR screen (whole words, any case), checked on
 * every screen the tests open. Technical words may appear only in the "código para o suporte" line.
 */
export const REFUSED_WORDS: readonly string[] = [
  'snapshot',
  'snapshots',
  'blob',
  'blobs',
  'hash',
  'NDJSON',
  'bucket',
  'RTO',
  'RPO',
  'MTTR',
  'KPI',
  'FHIR',
  'JSON',
  'scheduler',
  'token',
  'endpoint',
  'offsite',
  'drill',
  'drills',
  'repository',
  'restore',
  'settings',
  'cancel',
  'loading',
  'error',
  'failed',
  'success',
  'pending',
  'running',
  'true',
  'false',
  'null',
  'undefined',
  'NaN',
  'Patient',
  'Observation',
  'Encounter',
  'AllergyIntolerance',
  'Condition',
  'MedicationRequest',
  'Practitioner',
  'Appointment',
  'the',
  'and',
  'of',
  'with',
  'please',
];

/**
 * The words on the page now (pt-BR): none of REFUSED_WORDS and never a plural written as "(s)". Left out: the line
 * that gives support a code (data-support-code), text that comes verbatim from the clinic's own systems
 * (data-verbatim: a server's software name) and a term in parentheses after its plain label.
 */
export async function assertPlainWords(page: Page, where: string): Promise<void> {
  const text = (await page.evaluate(`(() => {
    const clone = document.body.cloneNode(true);
    for (const e of clone.querySelectorAll('[data-support-code], [data-verbatim], script, style, iframe')) e.remove();
    return clone.innerText || clone.textContent || '';
  })()`)) as string;
  const found: string[] = [];
  // A technical term may follow its plain label in parentheses: "espaço na nuvem (bucket)".
  const plainText = text.replace(/\([^()]*\)/g, ' ');
  for (const w of REFUSED_WORDS) {
    const re = new RegExp(`(?<![\\p{L}\\p{N}_/.-])${w}(?![\\p{L}\\p{N}_/-])`, 'iu');
    const m = re.exec(plainText);
    if (m) found.push(`"${w}" in "…${plainText.slice(Math.max(0, m.index - 40), m.index + 40).replace(/\s+/g, ' ')}…"`);
  }
  const plural = /\p{L}\((s|es|ns|is|ões)\)/u.exec(text);
  if (plural) found.push(`"(s)" in "…${text.slice(Math.max(0, plural.index - 40), plural.index + 20)}…"`);
  assert.deepEqual(found, [], `${where}: English, jargon or "(s)" on the screen`);
}

/** A page at 1366×768, logged in with the session cookie; collects every API response body and console error. */
export async function openApp(
  browser: Browser,
  stack: Stack,
  locale: 'pt-BR' | 'en' = 'pt-BR',
  /** The browser's own time zone (the clinic's comes from settings, America/Sao_Paulo unless set). */
  timezoneId = 'America/Sao_Paulo',
): Promise<{ context: BrowserContext; page: Page; bodies: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { ...VIEWPORT }, locale, timezoneId });
  await context.addCookies([{ name: stack.app.cookieName, value: stack.app.token, domain: '127.0.0.1', path: '/', httpOnly: true, sameSite: 'Strict' }]);
  const page = await context.newPage();
  const bodies: string[] = [];
  const errors: string[] = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/'))
      void r.text().then(
        (t) => bodies.push(t),
        () => undefined,
      );
  });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${stack.app.origin}/`);
  after(() => context.close());
  return { context, page, bodies, errors };
}

/**
 * The restore wizard from its calendar step to the preview of a restore into another FHIR server: keeps the chosen
 * point, picks "another server" at `url`, and waits for the preview.
 */
export async function previewIntoOtherServer(page: Page, url: string): Promise<void> {
  await page.getByTestId('calendar').waitFor();
  await page.getByTestId('next').click();
  await page.getByTestId('target-other').check();
  await page.getByTestId('target-url').fill(url);
  await page.getByTestId('preview').click();
  await page.getByTestId('restore-preview').waitFor({ timeout: 30_000 });
}
