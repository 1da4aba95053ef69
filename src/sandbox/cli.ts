/**
 * `clinic-backup sandbox`: starts the sandbox FHIR server and keeps it running until SIGINT/SIGTERM
 * (or the optional signal aborts). The CLI front end wires its arguments into runSandboxCommand.
 */
import { t, type Locale } from '../i18n/index.js';
import { startSandbox, type SandboxOptions, type SandboxServer } from './server.js';

export interface SandboxCommandOptions extends Omit<SandboxOptions, 'host'> {
  port?: number;
  patients?: number;
  seed?: number;
  locale?: Locale;
  /** Where lines go (default stdout). */
  print?: (line: string) => void;
  /** Stops the server when aborted (besides SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once the server listens (e.g. for tests or the demo script). */
  onReady?: (server: SandboxServer) => void;
}

export async function runSandboxCommand(opts: SandboxCommandOptions = {}): Promise<void> {
  const { locale, print = (line: string) => void process.stdout.write(`${line}\n`), signal, onReady, ...serverOpts } = opts;
  const patients = serverOpts.patients ?? 10;
  const seed = serverOpts.seed ?? 1;
  print(t('sandbox.starting', { patients, seed }, locale));
  const server = await startSandbox({ ...serverOpts, patients, seed });
  print(t('sandbox.listening', { url: server.url, resources: server.store.count() }, locale));
  print(t('sandbox.controlApi', { url: server.controlUrl }, locale));
  onReady?.(server);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop);
  });
  print(t('sandbox.stopping', {}, locale));
  await server.close();
  print(t('sandbox.stopped', {}, locale));
}
