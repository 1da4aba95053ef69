import { EngineError, type ErrorInfo, errorSide, formatMessage } from '../shared/index.js';
import { errorMessages, errorVariants } from './messages/errors.js';
import { cliMessages } from './messages/cli.js';
import { cliHelpMessages } from './messages/cliHelp.js';
import { backendMessages } from './messages/backend.js';
import { repositoryMessages } from './messages/repository.js';
import { archiverMessages } from './messages/archiver.js';
import { checkerMessages } from './messages/checker.js';
import { secretsMessages } from './messages/secrets.js';
import { sandboxMessages } from './messages/sandbox.js';
import { sourceMessages } from './messages/source.js';
import { restorerMessages } from './messages/restorer.js';
import { policyMessages } from './messages/policy.js';
import { schedulerMessages } from './messages/scheduler.js';
import { catalogMessages } from './messages/catalog.js';
import { alertsMessages } from './messages/alerts.js';
import { drillsMessages } from './messages/drills.js';
import { doctorMessages } from './messages/doctor.js';
import { reportsMessages } from './messages/reports.js';
import { statusMessages } from './messages/status.js';
import { uiMessages } from './messages/ui.js';
import { tasksMessages } from './messages/tasks.js';
import { indicatorsMessages } from './messages/indicators.js';
import { summaryMessages } from './messages/summary.js';
import { DEFAULT_LOCALE, LOCALES, type Catalogue, type Locale, type Message } from './types.js';

export { DEFAULT_LOCALE, LOCALES, type Catalogue, type Locale, type Message } from './types.js';
export { formatMessage, messageArguments } from '../shared/index.js';
export { FHIR_TYPE_NAMES, fhirTypeName } from '../shared/index.js';

/**
 * Every module's messages (each module owns one file in messages/), later files first: a key is looked up in each in
 * turn instead of in one merged object, because merging ~2,000 keys cost ~8 ms of every command's start-up (a
 * one-patient restore is measured from process start, docs/benchmarks.md). A command looks up a few dozen keys.
 */
const catalogues: readonly Catalogue[] = [
  cliMessages,
  cliHelpMessages,
  backendMessages,
  repositoryMessages,
  archiverMessages,
  checkerMessages,
  secretsMessages,
  sandboxMessages,
  sourceMessages,
  restorerMessages,
  policyMessages,
  schedulerMessages,
  catalogMessages,
  alertsMessages,
  drillsMessages,
  doctorMessages,
  reportsMessages,
  statusMessages,
  indicatorsMessages,
  summaryMessages,
  uiMessages,
  tasksMessages,
].reverse();

/** The message of a key (the last file that defines it, as a merge would keep), or undefined. */
function messageOf(key: string): Message | undefined {
  for (const c of catalogues) if (Object.hasOwn(c, key)) return c[key];
  return undefined;
}

/** Every message of the engine, keyed (for checks over the whole catalogue, e.g. the glossary test). */
export function catalogueEntries(): [string, Message][] {
  return Object.entries(Object.assign({}, ...[...catalogues].reverse()) as Catalogue);
}

export type Params = Readonly<Record<string, string | number | boolean | null | readonly string[] | undefined>>;

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/** Picks the locale from an explicit value or the environment (LANG/LC_ALL), pt-BR by default. */
export function resolveLocale(explicit?: string | null, env: NodeJS.ProcessEnv = process.env): Locale {
  const candidates = [explicit, env['CLINIC_BACKUP_LANG'], env['LC_ALL'], env['LANG']];
  for (const c of candidates) {
    if (!c) continue;
    if (isLocale(c)) return c;
    const lower = c.toLowerCase();
    if (lower.startsWith('en')) return 'en';
    if (lower.startsWith('pt')) return 'pt-BR';
  }
  return DEFAULT_LOCALE;
}

/** Fills a template: `{name}` placeholders and ICU plurals (`{count, plural, one {# item} other {# items}}`). */
export function interpolate(template: string, params: Params = {}, locale: Locale = DEFAULT_LOCALE): string {
  return formatMessage(template, params, locale);
}

/** Translates a catalogue key. Unknown keys come back as the key itself so a gap is visible, not fatal. */
export function t(key: string, params: Params = {}, locale: Locale = DEFAULT_LOCALE): string {
  const msg = messageOf(key);
  if (!msg) return key;
  return interpolate(msg[locale], params, locale);
}

export function hasMessage(key: string): boolean {
  return messageOf(key) !== undefined;
}

/** The user text of an error code with its details. */
export function errorText(err: { code: keyof typeof errorMessages; details?: Params }, locale: Locale = DEFAULT_LOCALE): string {
  const details = err.details ?? {};
  const variants = errorVariants[err.code];
  const variant = variants ? variants.pick(details) : null;
  const message = (variant !== null && variants?.messages[variant]) || errorMessages[err.code];
  return interpolate(message[locale], details, locale);
}

/** Converts anything thrown into ErrorInfo data for a front end. Unknown errors become INTERNAL without stack or secrets. */
export function toErrorInfo(err: unknown, locale: Locale = DEFAULT_LOCALE): ErrorInfo {
  if (err instanceof EngineError) {
    // A cancelled task says in what state it left the repository and the target.
    const outcome = err.code === 'CANCELLED' && typeof err.details['outcome'] === 'string' && hasMessage(err.details['outcome']) ? ` ${t(err.details['outcome'], {}, locale)}` : '';
    const side = errorSide(err.code);
    return { code: err.code, message: errorText(err, locale) + outcome, details: err.details, ...(side ? { side } : {}) };
  }
  const reason = err instanceof Error ? err.message : String(err);
  const details = { reason: scrubSecrets(reason) };
  return { code: 'INTERNAL', message: errorText({ code: 'INTERNAL', details }, locale), details };
}

/** Removes credentials that may sit inside URLs or headers of a foreign error message. */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(\w+:\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1***:***@')
    .replace(/\b(bearer|basic)(\s+)[^\s"',;]+/gi, '$1$2***')
    .replace(/(authorization|token|password|secret|x-amz-security-token)(["'\s:=]+)(?!(?:bearer|basic)\b)[^\s"',;]+/gi, '$1$2***');
}
