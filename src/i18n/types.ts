export const LOCALES = ['pt-BR', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'pt-BR';

/** One message in every supported language; `{name}` placeholders are filled from params. */
export type Message = Readonly<Record<Locale, string>>;
export type Catalogue = Readonly<Record<string, Message>>;
