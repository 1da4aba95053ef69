/** The languages of the product (Brazilian Portuguese by default). Portable: the renderer may import it. */
export const LOCALES = ['pt-BR', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'pt-BR';
