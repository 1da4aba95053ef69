/**
 * The usage texts, all from the i18n catalogue: `clinic-backup --help` lists every command with its one-line
 * summary; `clinic-backup <command> --help` shows its usage, what it does and every option its spec accepts.
 */
import { t, type Locale } from '../i18n/index.js';
import { COMMAND_NAMES } from './commands/index.js';
import { GENERAL_OPTIONS, OPTIONS, REPOSITORY_OPTIONS, type CommandSpec, type OptionName } from './spec.js';

/** The kind of value an option takes, for the help's placeholder (FILE, URL, N, FOLDER, TEXT). */
function valueKind(o: OptionName): 'file' | 'url' | 'number' | 'folder' | 'text' {
  if (/-file$|^pdf$|^html$/.test(o)) return 'file';
  if (/url$|^source$|^endpoint$/.test(o)) return 'url';
  if (/^keep-(last|hourly|daily|weekly|monthly|yearly)$|years$|days$|^port$|^patients$|^seed$|^every$|^limit-/.test(o)) return 'number';
  if (/^target$|^repo$|^secrets-dir$|^copy$|^to$|^from$/.test(o)) return 'folder';
  return 'text';
}

function optionLine(o: OptionName, locale: Locale): string {
  const name = `--${o}${OPTIONS[o].type === 'string' ? ` ${t(`cli.value.${valueKind(o)}`, {}, locale)}` : ''}`;
  return `  ${name.padEnd(32)} ${t(`cli.opt.${o}`, {}, locale)}`;
}

/** The help of one command, from its spec. */
export function commandHelp(command: string, spec: CommandSpec, locale: Locale): string {
  const lines = [t('cli.help.usageLine', { usage: t(`cli.help.${command}.usage`, {}, locale) }, locale), '', t(`cli.help.${command}`, {}, locale)];
  if (spec.options.length > 0) {
    lines.push('', t('cli.help.options', {}, locale));
    for (const o of spec.options) lines.push(optionLine(o, locale));
  }
  lines.push('', t('cli.help.general', {}, locale));
  for (const o of [...(spec.noRepository ? [] : REPOSITORY_OPTIONS), ...GENERAL_OPTIONS]) lines.push(optionLine(o, locale));
  lines.push('', t('cli.help.exitCodes', {}, locale));
  return lines.join('\n');
}

/** `clinic-backup --help`: every command with its summary, the general options, where to read more. */
export function generalHelp(locale: Locale): string {
  const width = Math.max(...COMMAND_NAMES.map((c) => c.length)) + 2;
  return [
    t('cli.help.header', {}, locale),
    '',
    t('cli.help.commands', {}, locale),
    ...COMMAND_NAMES.map((c) => `  ${c.padEnd(width)} ${t(`cli.help.${c}.summary`, {}, locale)}`),
    '',
    t('cli.help.general', {}, locale),
    ...[...REPOSITORY_OPTIONS, ...GENERAL_OPTIONS, 'version' as const].map((o) => optionLine(o, locale)),
    '',
    t('cli.help.locations', {}, locale),
    t('cli.help.perCommand', {}, locale),
    t('cli.help.exitCodes', {}, locale),
  ].join('\n');
}
