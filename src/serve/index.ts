/** The serve front end: EngineHost + HTTP/SSE server, and the `clinic-backup serve` command. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clinicPassphrasePaths, defaultStateDir, t, type EngineOptions, type Locale } from '../index.js';
import { EngineHost } from '../api/index.js';
import { startServe, type ServeHandle } from './server.js';

export { EngineHost, type HostInfo, type CallResult } from '../api/index.js';
export { startServe, CONTENT_SECURITY_POLICY, REPORT_CONTENT_SECURITY_POLICY, type ServeHandle, type ServeOptions } from './server.js';
export { API, API_METHOD_NAMES, checkApiCall } from '../shared/index.js';

/**
 * renderer/dist of this installation: the package root is two folders above this file in the sources (src/serve)
 * and three in the compiled code (dist/src/serve); the root is the one holding package.json.
 */
export const DEFAULT_RENDERER_DIR = ((): string => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const sources = path.resolve(here, '..', '..');
  const root = existsSync(path.join(sources, 'package.json')) ? sources : path.resolve(here, '..', '..', '..');
  return path.join(root, 'renderer', 'dist');
})();

/** Where `serve` remembers the repository the setup wizard created or connected (it starts without --repo). */
const REMEMBERED_REPOSITORY = 'serve-repository.json';

async function rememberedRepository(stateRoot: string): Promise<string | null> {
  try {
    const v = JSON.parse(await readFile(path.join(stateRoot, REMEMBERED_REPOSITORY), 'utf8')) as { repo?: unknown };
    return typeof v.repo === 'string' && v.repo !== '' ? v.repo : null;
  } catch {
    return null;
  }
}

async function rememberRepository(stateRoot: string, repo: string): Promise<void> {
  await mkdir(stateRoot, { recursive: true, mode: 0o700 });
  await writeFile(path.join(stateRoot, REMEMBERED_REPOSITORY), JSON.stringify({ repo }) + '\n', { mode: 0o600 });
}

export interface ServeAppOptions {
  /**
   * The repository folder. Without it, serve opens the one its setup wizard chose last time, or none yet: the
   * user interface then starts at the welcome screen and the wizard creates or connects one.
   */
  readonly repo?: string;
  readonly locale: Locale;
  readonly engine?: Omit<EngineOptions, 'repo' | 'locale'>;
  readonly port?: number;
  readonly rendererDir?: string;
  readonly token?: string;
}

export interface ServeApp extends ServeHandle {
  readonly host: EngineHost;
}

/** Starts an EngineHost for the repository and serves it; the UI language follows the repository's settings. */
export async function startServeApp(options: ServeAppOptions): Promise<ServeApp> {
  const stateRoot = options.engine?.stateDir ?? defaultStateDir();
  // No repository yet: an empty folder inside the state folder stands for "not set up" (the user interface starts
  // at the welcome screen) until the wizard opens the folder the user picked.
  let repo = options.repo ?? (await rememberedRepository(stateRoot));
  if (!repo) {
    repo = path.join(stateRoot, 'no-repository-yet');
    await mkdir(repo, { recursive: true, mode: 0o700 });
  }
  // A computer without a keychain where the clinic chose a passphrase in the wizard: it is used again.
  const kept = clinicPassphrasePaths(stateRoot);
  const engine = options.engine?.passwordFile || options.engine?.secretStore || !existsSync(kept.passwordFile) ? (options.engine ?? {}) : { ...options.engine, ...kept };
  const host = new EngineHost({
    engine,
    repo,
    locale: options.locale,
    mode: 'serve',
    // The folder chosen in the wizard is opened again at the next start without --repo.
    onRepositoryChanged: (chosen) => void rememberRepository(stateRoot, chosen).catch(() => undefined),
  });
  await host.adoptSettingsLanguage();
  const handle = await startServe({
    host,
    rendererDir: options.rendererDir ?? DEFAULT_RENDERER_DIR,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.token ? { token: options.token } : {}),
  });
  return {
    ...handle,
    host,
    async close() {
      await handle.close();
      await host.close();
    },
  };
}

export interface ServeCommandOptions extends ServeAppOptions {
  readonly print: (line: string) => void;
  readonly data: (value: unknown) => void;
  /** Resolves when the command should stop (default: SIGINT or SIGTERM). */
  readonly until?: Promise<void>;
}

/** `clinic-backup serve`: prints the launch URL and serves until interrupted. */
export async function runServeCommand(options: ServeCommandOptions): Promise<number> {
  // Listen for Ctrl+C before printing the URL, so a stop right after start still closes cleanly.
  const until =
    options.until ??
    new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  const app = await startServeApp(options);
  // Failures that did not stop the work (a subscriber, a close) go to the log: code only, never a message.
  const off = app.host.subscribe((e) => e.type === 'diagnostic' && process.stderr.write(`clinic-backup serve: ${e.what}: ${e.errorCode}\n`));
  options.data({ url: app.url, origin: app.origin, port: app.port });
  options.print(t('serve.listening', { url: app.url }, options.locale));
  options.print(t('serve.tokenNote', {}, options.locale));
  await until;
  off();
  await app.close();
  options.print(t('serve.stopped', {}, options.locale));
  return 0;
}
