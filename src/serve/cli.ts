/**
 * `clinic-backup serve`: starts the local web mode (the same UI as the desktop app) on 127.0.0.1 and prints its
 * URL with the one-time token. Dispatched by bin/launch.js, so the CLI front end never imports this one.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveLocale, t, toErrorInfo, type Locale } from '../i18n/index.js';
import { EngineError, exitCodeFor } from '../shared/index.js';

const SERVE_OPTIONS = {
  repo: { type: 'string' },
  port: { type: 'string' },
  'password-file': { type: 'string' },
  'secrets-dir': { type: 'string' },
  lang: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `clinic-backup serve --help`, in the user's language (the same texts as the other commands' help). */
function serveHelp(locale: Locale): string {
  const line = (o: string, value: string | null): string => `  ${`--${o}${value ? ` ${t(`cli.value.${value}`, {}, locale)}` : ''}`.padEnd(32)} ${t(`cli.opt.${o}`, {}, locale)}`;
  return [
    t('cli.help.usageLine', { usage: t('cli.help.serve.usage', {}, locale) }, locale),
    '',
    t('cli.help.serve', {}, locale),
    '',
    t('cli.help.options', {}, locale),
    line('port', 'number'),
    '',
    t('cli.help.general', {}, locale),
    line('repo', 'folder'),
    line('password-file', 'file'),
    line('secrets-dir', 'folder'),
    line('json', null),
    line('lang', 'text'),
    line('help', null),
    '',
    t('cli.help.exitCodes', {}, locale),
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const langAt = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const early = resolveLocale(langAt < 0 ? null : ((argv[langAt]?.includes('=') ? (argv[langAt] as string).split('=')[1] : argv[langAt + 1]) ?? null), env);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: SERVE_OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    // The parser's English text never reaches the user: the option is named in their language.
    const message = err instanceof Error ? err.message : String(err);
    const option = /'(-{1,2}[A-Za-z0-9-]+)/.exec(message)?.[1] ?? '';
    const code = (err as { code?: unknown }).code;
    const info =
      code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? toErrorInfo(new EngineError('UNKNOWN_OPTION', { option, command: 'serve', forCommand: t('cli.optionOfOther', { command: 'serve' }, early), suggestion: '' }), early)
        : toErrorInfo(
            new EngineError('USAGE', { reason: code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? t('cli.optionNeedsValue', { option }, early) : t('cli.badCommandLine', { option }, early) }),
            early,
          );
    process.stderr.write(t('cli.error', { code: info.code, message: info.message }, early) + '\n');
    return 2;
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) process.stderr.write(t('cli.nodeAdvice', { version: process.versions.node }, early) + '\n');
  if (values['help'] === true) {
    process.stdout.write(serveHelp(resolveLocale(typeof values['lang'] === 'string' ? values['lang'] : null, env)) + '\n');
    return 0;
  }
  const locale = resolveLocale(typeof values['lang'] === 'string' ? values['lang'] : null, env);
  const json = values['json'] === true;
  // Optional: without it the setup wizard creates or connects the repository (and serve remembers it).
  const repo = (values['repo'] as string | undefined) ?? env['CLINIC_BACKUP_REPO'];
  const port = values['port'] ? Number(values['port']) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(t('cli.error', { code: 'USAGE', message: toErrorInfo(new EngineError('USAGE', { reason: '--port 0-65535' }), locale).message }, locale) + '\n');
    return 2;
  }
  const passwordFile = (values['password-file'] as string | undefined) ?? env['CLINIC_BACKUP_PASSWORD_FILE'];
  const secretsDir = (values['secrets-dir'] as string | undefined) ?? env['CLINIC_BACKUP_SECRETS_DIR'];
  const keychainService = env['CLINIC_BACKUP_KEYCHAIN_SERVICE'];
  const stateDir = env['CLINIC_BACKUP_STATE_DIR'];
  // Extra folders the setup's folder picker offers besides the detected drives and shares (path-list separated).
  const browseRoots = (env['CLINIC_BACKUP_BROWSE_ROOTS'] ?? '').split(path.delimiter).filter((p) => p !== '');
  try {
    // The engine and the HTTP server load only now: `serve --help` and a usage error answer without them.
    const { runServeCommand } = await import('./index.js');
    return await runServeCommand({
      ...(repo ? { repo } : {}),
      port,
      locale,
      engine: {
        ...(browseRoots.length > 0 ? { browseRoots } : {}),
        ...(passwordFile ? { passwordFile } : {}),
        ...(keychainService ? { keychainService } : {}),
        ...(stateDir ? { stateDir } : {}),
        ...(secretsDir ? { secretsDir } : {}),
      },
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
