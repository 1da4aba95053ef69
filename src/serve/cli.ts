/**
 * `clinic-backup serve`: starts the local web mode (the same UI as the desktop app) on 127.0.0.1 and prints its
 * URL with the one-time token. Dispatched by bin/clinic-backup.js, so the CLI front end never imports this one.
 */
import { parseArgs } from 'node:util';
import { resolveLocale, t, toErrorInfo } from '../index.js';
import { exitCodeFor } from '../shared/errors.js';
import { runServeCommand } from './index.js';

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { repo: { type: 'string' }, port: { type: 'string' }, 'password-file': { type: 'string' }, 'secrets-dir': { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const locale = resolveLocale(typeof values['lang'] === 'string' ? values['lang'] : null, env);
  const json = values['json'] === true;
  const repo = (values['repo'] as string | undefined) ?? env['CLINIC_BACKUP_REPO'];
  if (!repo) {
    process.stderr.write(t('cli.error', { code: 'USAGE', message: t('cli.missingRepo', {}, locale) }, locale) + '\n');
    return 2;
  }
  const port = values['port'] ? Number(values['port']) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('--port 0-65535\n');
    return 2;
  }
  const passwordFile = (values['password-file'] as string | undefined) ?? env['CLINIC_BACKUP_PASSWORD_FILE'];
  const secretsDir = (values['secrets-dir'] as string | undefined) ?? env['CLINIC_BACKUP_SECRETS_DIR'];
  const keychainService = env['CLINIC_BACKUP_KEYCHAIN_SERVICE'];
  const stateDir = env['CLINIC_BACKUP_STATE_DIR'];
  try {
    return await runServeCommand({
      repo,
      port,
      locale,
      engine: { ...(passwordFile ? { passwordFile } : {}), ...(keychainService ? { keychainService } : {}), ...(stateDir ? { stateDir } : {}), ...(secretsDir ? { secretsDir } : {}) },
      print: (line) => {
        if (!json) process.stdout.write(line + '\n');
      },
      data: (value) => {
        if (json) process.stdout.write(JSON.stringify(value) + '\n');
      },
    });
  } catch (err) {
    const info = toErrorInfo(err, locale);
    process.stderr.write(t('cli.error', { code: info.code, message: info.message }, locale) + '\n');
    return exitCodeFor(info.code);
  }
}
