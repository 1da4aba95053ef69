import type { Locale } from '../shared/index.js';

export { DEFAULT_LOCALE, LOCALES, type Locale } from '../shared/index.js';

/** One message in every supported language; `{name}` placeholders are filled from params. */
export type Message = Readonly<Record<Locale, string>>;
export type Catalogue = Readonly<Record<string, Message>>;
