/**
 * clinic-backup: finds the command, parses its command line against its spec, shows help, runs it, and turns
 * errors into exit codes (0 ok, 1 failed, 2 usage, 3 integrity problem, 130 cancelled by Ctrl+C). Each command
 * lives in commands/<name>.ts; every decision is made by the engine (src/index.ts), which is loaded only when a
 * command runs.
 */
import { resolveLocale, t, toErrorInfo, type Locale } from '../i18n/index.js';
import { exitCodeFor, isAbortError } from '../shared/index.js';
import { loadCommand } from './commands/index.js';
import { facade, type Command } from './context.js';
import { commandHelp, generalHelp } from './help.js';
import { commandName, parseCommandLine, type CommandLine } from './options.js';
import { createOutput, type Output } from './output.js';

export { progressText } from './context.js';

/** Exit code of an operation cancelled by Ctrl+C (128 + SIGINT, as shells report it). */
export const EXIT_CANCELLED = 130;

/** One line recommending Node.js 22 LTS when running on an older Node (20 is past its end of life), else null. */
export function nodeAdvice(version: string, locale: Locale): string | null {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  return Number.isFinite(major) && major < 22 ? t('cli.nodeAdvice', { version: version.replace(/^v/, '') }, locale) : null;
}

function fail(out: Output, err: unknown, locale: Locale): number {
  const info = toErrorInfo(err, locale);
  if (out.json) process.stdout.write(JSON.stringify({ error: info }, null, 2) + '\n');
  out.error(t('cli.error', { code: info.code, message: info.message }, locale));
  return exitCodeFor(info.code);
}

/**
 * Ctrl+C as the operation's cancel: the first one aborts the command's signal (the engine stops at a safe point
 * and releases its lock); a second one ends the process at once.
 */
function cancelOnCtrlC(out: Output, locale: Locale): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      out.error(t('cli.cancelling', {}, locale));
      controller.abort();
      return;
    }
    out.error(t('cli.cancelForced', {}, locale));
    process.exit(EXIT_CANCELLED);
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

async function run(command: Command, line: CommandLine, out: Output, locale: Locale, env: NodeJS.ProcessEnv): Promise<number> {
  const cancel = command.spec.cancellable ? cancelOnCtrlC(out, locale) : null;
  const signal = cancel?.signal ?? new AbortController().signal;
  const ctx = { values: line.values, positionals: line.positionals, out, locale, env, zone: { value: null }, signal };
  try {
    return await command.run(ctx);
  } catch (err) {
    if (!signal.aborted) return fail(out, err, locale);
    // Cancelled: say so plainly. Another error while stopping is shown too, but the run still ends as cancelled.
    if (!isAbortError(err)) fail(out, err, locale);
    else if (out.json) process.stdout.write(JSON.stringify({ error: toErrorInfo(err, locale) }, null, 2) + '\n');
    out.error(t('cli.cancelled', {}, locale));
    const note = command.cancelNote?.(ctx);
    if (note) out.error(note);
    return EXIT_CANCELLED;
  } finally {
    cancel?.dispose();
  }
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The language comes first, so even a mistake in the command line is explained in it.
  const langAt = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const lang = langAt < 0 ? null : argv[langAt]?.includes('=') ? (argv[langAt] as string).split('=')[1] : argv[langAt + 1];
  const locale = resolveLocale(lang ?? null, env);
  const advice = nodeAdvice(process.versions.node, locale);
  if (advice) process.stderr.write(advice + '\n');
  let out = createOutput(argv.includes('--json'));
  const name = commandName(argv);
  let command: Command | null;
  let line: CommandLine;
  try {
    command = name ? await loadCommand(name) : null;
    line = parseCommandLine(argv, command?.spec ?? null, locale);
  } catch (err) {
    return fail(out, err, locale);
  }
  out = createOutput(line.values.json === true);
  if (line.values.version) {
    process.stdout.write(`clinic-backup ${(await facade()).TOOL_VERSION}\n`);
    return 0;
  }
  if (name && command && line.values.help) {
    process.stdout.write(commandHelp(name, command.spec, locale) + '\n');
    return 0;
  }
  if (!name || line.values.help) {
    process.stdout.write(generalHelp(locale) + '\n');
    return name || line.values.help ? 0 : 2;
  }
  if (!command) {
    out.error(t('cli.error', { code: 'USAGE', message: t('cli.unknownCommand', { command: name }, locale) }, locale));
    return 2;
  }
  return run(command, line, out, locale, env);
}
