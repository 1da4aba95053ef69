// Helpers for the report tests: poppler (pdftotext, pdfinfo, pdftoppm) on temp files, and a small
// structural HTML checker (no HTML parser is installed).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const HAS_POPPLER = ['pdftotext', 'pdfinfo', 'pdftoppm'].every((tool) => spawnSync(tool, ['-v'], { stdio: 'ignore' }).error === undefined);

/** Why poppler tests are skipped, or false to run them. On CI a missing poppler fails instead of skipping. */
export const POPPLER_SKIP: string | false = HAS_POPPLER || process.env['CI'] ? false : 'poppler-utils (pdftotext, pdfinfo, pdftoppm) not installed';

let counter = 0;

function writeTemp(dir: string, pdf: Buffer): string {
  const file = path.join(dir, `report-${process.pid}-${counter++}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** Text of the PDF; `layout` keeps the physical layout (columns side by side). */
export function pdfText(dir: string, pdf: Buffer, options: { layout?: boolean; firstPage?: number; lastPage?: number } = {}): string {
  const file = writeTemp(dir, pdf);
  const args = [...(options.layout ? ['-layout'] : []), '-enc', 'UTF-8'];
  if (options.firstPage) args.push('-f', String(options.firstPage));
  if (options.lastPage) args.push('-l', String(options.lastPage));
  return execFileSync('pdftotext', [...args, file, '-'], { encoding: 'utf8' });
}

/** pdfinfo fields (Pages, Title, Page size …). */
export function pdfInfo(dir: string, pdf: Buffer): Record<string, string> {
  const file = writeTemp(dir, pdf);
  const out = execFileSync('pdfinfo', ['-enc', 'UTF-8', file], { encoding: 'utf8' });
  const info: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) info[m[1]!.trim()] = m[2]!.trim();
  }
  return info;
}

/** Fonts used by the PDF (pdffonts is part of poppler-utils too). */
export function pdfFonts(dir: string, pdf: Buffer): string {
  const file = writeTemp(dir, pdf);
  return execFileSync('pdffonts', [file], { encoding: 'utf8' });
}

export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** Row-major, 0 = black … 255 = white. */
  readonly pixels: Uint8Array;
}

/** Page n rendered in grey at dpi (pdftoppm -gray writes a binary PGM). */
export function renderPageGray(dir: string, pdf: Buffer, dpi: number, page = 1): GrayImage {
  const file = writeTemp(dir, pdf);
  const prefix = file.replace(/\.pdf$/, '');
  execFileSync('pdftoppm', ['-gray', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file, prefix]);
  return parsePgm(readFileSync(`${prefix}.pgm`));
}

/** Page n rendered as PNG into a given file (docs/images). */
export function renderPagePng(dir: string, pdf: Buffer, dpi: number, outFile: string, page = 1): void {
  const file = writeTemp(dir, pdf);
  execFileSync('pdftoppm', ['-png', '-r', String(dpi), '-f', String(page), '-l', String(page), '-singlefile', file, outFile.replace(/\.png$/, '')]);
}

function parsePgm(buf: Buffer): GrayImage {
  let pos = 0;
  const token = (): string => {
    while (pos < buf.length) {
      const c = buf[pos]!;
      if (c === 0x23) while (pos < buf.length && buf[pos] !== 0x0a) pos++;
      else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else break;
    }
    const start = pos;
    while (pos < buf.length && ![0x20, 0x0a, 0x0d, 0x09].includes(buf[pos]!)) pos++;
    return buf.subarray(start, pos).toString('latin1');
  };
  if (token() !== 'P5') throw new Error('not a binary PGM');
  const width = Number(token());
  const height = Number(token());
  const max = Number(token());
  if (max !== 255) throw new Error(`unsupported PGM depth ${max}`);
  pos++; // one whitespace after the header
  return { width, height, pixels: new Uint8Array(buf.subarray(pos, pos + width * height)) };
}

// ---- HTML ---------------------------------------------------------------------------------------

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);
const SVG_SELF_CLOSING = /\/>$/;

/**
 * Checks that an HTML document is well formed enough for a browser and a printer: a doctype, every
 * non-void element closed in order, attribute values quoted, no script, no external resources.
 * Returns the list of problems (empty = fine) and the element names in document order.
 */
export function checkHtml(html: string): { problems: string[]; elements: string[] } {
  const problems: string[] = [];
  const elements: string[] = [];
  if (!/^<!DOCTYPE html>/i.test(html)) problems.push('missing doctype');
  const stack: string[] = [];
  let rawText: string | null = null;
  for (const m of html.matchAll(/<!DOCTYPE[^>]*>|<!--[\s\S]*?-->|<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z:-]+(?:="[^"]*")?)*)\s*\/?>|<[^>]*>?/g)) {
    const whole = m[0];
    if (whole.startsWith('<!')) continue;
    const name = m[1]?.toLowerCase();
    if (rawText !== null) {
      if (whole.toLowerCase() === `</${rawText}>`) {
        rawText = null;
        stack.pop();
      }
      continue;
    }
    if (!name) {
      problems.push(`malformed tag: ${whole.slice(0, 60)}`);
      continue;
    }
    if (whole.startsWith('</')) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? 'nothing'}>`);
      continue;
    }
    elements.push(name);
    if (name === 'script') problems.push('script element');
    if (/\s(src|href)="(https?:)?\/\//i.test(whole)) problems.push(`external resource: ${whole.slice(0, 80)}`);
    if (/\son[a-z]+=/i.test(whole)) problems.push(`event handler attribute: ${whole.slice(0, 80)}`);
    if (VOID.has(name) || SVG_SELF_CLOSING.test(whole)) continue;
    stack.push(name);
    if (name === 'style' || name === 'title') rawText = name;
  }
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(' > ')}`);
  return { problems, elements };
}

/** The visible text of an HTML fragment: tags removed, entities decoded. */
export function htmlText(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<wbr>|<\/?span[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
