/** `clinic-backup <command> --help`: usage, what the command does and every option it accepts (from spec.ts). */
import { t, type Locale } from '../index.js';
import { COMMANDS, GENERAL_OPTIONS, OPTIONS, REPOSITORY_OPTIONS, type OptionName } from './spec.js';

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

/** The help of one command; null when there is no such command. */
export function commandHelp(command: string, locale: Locale): string | null {
  const spec = COMMANDS[command];
  if (!spec) return null;
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
