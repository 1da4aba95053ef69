/**
 * The one option parser of every command: parses the command line against the command's own spec (declared in
 * commands/<name>.ts over the option table of spec.ts). A mistake is an error, never a silent
 * success: an unknown option, an option of another command, two options that cannot go together or one that
 * means nothing alone stop with a usage error (exit 2) in the user's language, naming what to use instead.
 */
import { editDistance, EngineError } from '../shared/index.js';
import { parseArgs } from 'node:util';
import { t, type Locale } from '../i18n/index.js';
import { allowedOptions, INPUT_ARG, OPTIONS, SNAPSHOT_ARG, type CommandSpec, type OptionName } from './spec.js';

export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>['values'];

export interface CommandLine {
  readonly command: string | undefined;
  readonly values: Values;
  readonly positionals: string[];
}

function isOption(name: string): name is OptionName {
  return Object.prototype.hasOwnProperty.call(OPTIONS, name);
}

/** The closest option the command accepts, when one is close enough to be a typo. */
function closestOption(name: string, spec: CommandSpec | null): string | null {
  let best: { o: string; d: number } | null = null;
  for (const o of allowedOptions(spec)) {
    const d = editDistance(name, o);
    if (!best || d < best.d) best = { o, d };
  }
  return best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? `--${best.o}` : null;
}

function unknownOption(option: string, command: string | undefined, spec: CommandSpec | null, locale: Locale, known: boolean): EngineError {
  const name = option.replace(/^-+/, '');
  const close = closestOption(name, spec);
  return new EngineError('UNKNOWN_OPTION', {
    option,
    command: command ?? '',
    forCommand: command && known ? t('cli.optionOfOther', { command }, locale) : '',
    suggestion: close ? t('cli.didYouMean', { option: close }, locale) : '',
  });
}

/** The first token that is neither an option nor an option's value: the command's name (before its spec is loaded). */
export function commandName(argv: readonly string[]): string | undefined {
  return scan(argv).command;
}

/** The command's name and the options that exist in no command at all. */
function scan(argv: readonly string[]): { command: string | undefined; unknown: string[] } {
  let command: string | undefined;
  const unknown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === '--') break;
    if (token.startsWith('--')) {
      const name = token.slice(2).split('=')[0] as string;
      if (!isOption(name)) unknown.push(`--${name}`);
      else if (OPTIONS[name].type === 'string' && !token.includes('=')) i++;
      continue;
    }
    if (token.startsWith('-') && token.length > 1 && !/^-\d/.test(token)) {
      if (token !== '-h') unknown.push(token);
      continue;
    }
    command ??= token;
  }
  return { command, unknown };
}

function parseFailure(err: unknown, locale: Locale): EngineError {
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-{1,2}[A-Za-z0-9-]+)/.exec(message)?.[1] ?? '';
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const key = /does not take an argument/.test(message) ? 'cli.optionTakesNoValue' : 'cli.optionNeedsValue';
    return new EngineError('USAGE', { reason: t(key, { option }, locale) });
  }
  return new EngineError('USAGE', { reason: t('cli.badCommandLine', { option }, locale) });
}

const flag = (o: string): string => (o === SNAPSHOT_ARG || o === INPUT_ARG ? o : `--${o}`);

function conflictReason(a: string, b: string, locale: Locale): string {
  const key = `cli.conflict.${a.replace(/[<>]/g, '')}.${b.replace(/[<>]/g, '')}`;
  const specific = t(key, {}, locale);
  return specific === key ? t('cli.conflict.generic', {}, locale) : specific;
}

/**
 * Parses argv against the spec of its command (null for no command or an unknown one): the command, its options
 * and positionals. Throws UNKNOWN_OPTION, OPTION_CONFLICT or USAGE (all exit 2) with text in `locale`.
 */
export function parseCommandLine(argv: readonly string[], spec: CommandSpec | null, locale: Locale): CommandLine {
  const { command, unknown } = scan(argv);
  if (unknown[0]) throw unknownOption(unknown[0], command, spec, locale, false);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw parseFailure(err, locale);
  }
  const { values, positionals } = parsed;
  if (!spec || values.help) return { command, values, positionals };
  const given = new Set(Object.keys(values).filter((k) => (values as Record<string, unknown>)[k] !== undefined));
  const allowed = new Set<string>(allowedOptions(spec));
  for (const o of given) if (!allowed.has(o)) throw unknownOption(`--${o}`, command, spec, locale, true);
  // Positional operands take part in conflict rules too.
  for (const [index, operand] of spec.operands ?? []) if (positionals[index] !== undefined) given.add(operand);
  for (const [a, b] of spec.conflicts ?? []) {
    if (given.has(a) && given.has(b)) throw new EngineError('OPTION_CONFLICT', { first: flag(a), second: flag(b), reason: conflictReason(a, b, locale) });
  }
  for (const [o, needs] of spec.requires ?? []) {
    if (given.has(o) && !needs.some((n) => given.has(n))) throw new EngineError('USAGE', { reason: t('cli.requires', { option: flag(o), needs: needs.map(flag).join(' | ') }, locale) });
  }
  return { command, values, positionals };
}

/** `--target` is a folder: a URL there is a mistake (it would create a folder named "http:"). */
export function assertFolderTarget(target: string, locale: Locale): void {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target) || /^https?:/i.test(target)) {
    throw new EngineError('OPTION_CONFLICT', { first: '--target', second: '--target-url', reason: t('cli.targetIsUrl', { target }, locale) });
  }
}
