/** Text shown in place of a secret. */
export const REDACTED = '***';

/**
 * Replaces every known secret value in `text` (for logs and foreign error messages), including the
 * URL-encoded and JSON-escaped forms a value takes inside URLs and serialised payloads.
 * Empty values are ignored.
 */
export function redact(text: string, secrets: readonly (string | null | undefined)[], mask: string = REDACTED): string {
  const variants = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length === 0) continue;
    variants.add(s);
    variants.add(encodeURIComponent(s));
    variants.add(JSON.stringify(s).slice(1, -1));
  }
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const v of [...variants].sort((a, b) => b.length - a.length)) {
    if (v.length > 0) out = out.split(v).join(mask);
  }
  return out;
}
