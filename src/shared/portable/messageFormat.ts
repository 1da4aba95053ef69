/**
 * The message formatter of the catalogue: `{name}` placeholders, and plurals in the ICU form
 *   {count, plural, =0 {nenhum registro} one {# registro} other {# registros}}
 * chosen by Intl.PluralRules for the language (`#` is the number, written the language's way by Intl.NumberFormat).
 * Never "registro(s)": every count a person reads goes through a plural. One formatter for the engine's catalogue
 * (src/i18n) and the screens (renderer/src/i18n): it lives in src/shared/portable, whose files import nothing, so
 * the renderer may load it (ARCHITECTURE.md §3 allows the renderer only types from src/shared otherwise).
 */

export type FormatValue = string | number | boolean | null | readonly string[] | undefined;
export type FormatParams = Readonly<Record<string, FormatValue>>;

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function rulesFor(locale: string): Intl.PluralRules {
  let r = pluralRules.get(locale);
  if (!r) pluralRules.set(locale, (r = new Intl.PluralRules(locale)));
  return r;
}

function numberFormatFor(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) numberFormats.set(locale, (f = new Intl.NumberFormat(locale)));
  return f;
}

function plain(v: FormatValue): string {
  if (v === undefined || v === null) return '—';
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.join(', ');
  return String(v);
}

/** Index of the brace closing the one opened at `open`, or -1. */
function closing(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** The branches of a plural argument: selector → sub-message. Null when the text is not a well-formed plural. */
function branches(body: string): Map<string, string> | null {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i] as string)) i++;
    if (i >= body.length) break;
    const m = /^(=\d+|zero|one|two|few|many|other)\s*\{/.exec(body.slice(i));
    if (!m) return null;
    const open = i + m[0].length - 1;
    const end = closing(body, open);
    if (end < 0) return null;
    out.set(m[1] as string, body.slice(open + 1, end));
    i = end + 1;
  }
  return out.has('other') ? out : null;
}

function pluralOf(value: FormatValue, body: string, params: FormatParams, locale: string): string | null {
  const options = branches(body);
  if (!options) return null;
  // A number already written for people ("1.234") keeps its text; its digits choose the branch.
  const digits = typeof value === 'string' ? value.replace(/\D/g, '') : '';
  const n = typeof value === 'number' ? value : digits === '' ? Number.NaN : Number(digits);
  if (!Number.isFinite(n)) return format(options.get('other') as string, params, locale, null);
  const chosen = options.get(`=${n}`) ?? options.get(rulesFor(locale).select(n)) ?? (options.get('other') as string);
  return format(chosen, params, locale, typeof value === 'string' ? value : numberFormatFor(locale).format(n));
}

function format(template: string, params: FormatParams, locale: string, hash: string | null): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i] as string;
    if (c === '#' && hash !== null) {
      out += hash;
      i++;
      continue;
    }
    if (c !== '{') {
      out += c;
      i++;
      continue;
    }
    const end = closing(template, i);
    if (end < 0) {
      out += template.slice(i);
      break;
    }
    const inner = template.slice(i + 1, end);
    const simple = /^(\w+)$/.exec(inner);
    const plural = /^\s*(\w+)\s*,\s*plural\s*,([\s\S]*)$/.exec(inner);
    if (simple) out += (simple[1] as string) in params ? plain(params[simple[1] as string]) : `{${inner}}`;
    else if (plural) out += pluralOf(params[plural[1] as string], plural[2] as string, params, locale) ?? `{${inner}}`;
    else out += `{${inner}}`;
    i = end + 1;
  }
  return out;
}

/** Fills a catalogue template: `{name}` from params (missing names stay visible), plurals by the language's rules. */
export function formatMessage(template: string, params: FormatParams, locale: string): string {
  return format(template, params, locale, null);
}

/** The argument names a template uses (simple and plural), sorted: both languages of a message must use the same. */
export function messageArguments(template: string): string[] {
  const names = new Set<string>();
  const collect = (text: string): void => {
    for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
      const end = closing(text, i);
      if (end < 0) return;
      const inner = text.slice(i + 1, end);
      const simple = /^(\w+)$/.exec(inner);
      const plural = /^\s*(\w+)\s*,\s*plural\s*,([\s\S]*)$/.exec(inner);
      if (simple) names.add(simple[1] as string);
      else if (plural) {
        names.add(plural[1] as string);
        for (const branch of branches(plural[2] as string)?.values() ?? []) collect(branch);
      }
      i = end;
    }
  };
  collect(template);
  return [...names].sort();
}
