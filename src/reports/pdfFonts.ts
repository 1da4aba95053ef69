/**
 * Fonts of the PDF reports: pdfkit's built-in Helvetica/Courier (WinAnsi, which covers Portuguese) unless the text
 * needs characters outside WinAnsi; then a Unicode TrueType font when one is found, else approximations.
 */
import { existsSync } from 'node:fs';
import { documentText, type ReportDocument } from './document.js';

export interface PdfFontFiles {
  readonly regular: string;
  readonly bold: string;
  readonly mono?: string;
  readonly monoBold?: string;
}

/** 'auto' (default): built-in fonts unless the text needs a Unicode font; 'standard': built-in only. */
export type PdfFontChoice = 'auto' | 'standard' | PdfFontFiles;

export interface PdfOptions {
  readonly fonts?: PdfFontChoice;
  /** Creation date written in the PDF properties (default: now). */
  readonly creationDate?: Date;
}

export const DEJAVU = (dir: string): PdfFontFiles => ({
  regular: `${dir}/DejaVuSans.ttf`,
  bold: `${dir}/DejaVuSans-Bold.ttf`,
  mono: `${dir}/DejaVuSansMono.ttf`,
  monoBold: `${dir}/DejaVuSansMono-Bold.ttf`,
});

/** Unicode fonts looked for, in order, when the text needs one. */
export const UNICODE_FONT_CANDIDATES: readonly PdfFontFiles[] = [
  DEJAVU('/usr/share/fonts/truetype/dejavu'),
  DEJAVU('/usr/share/fonts/dejavu'),
  DEJAVU('/usr/share/fonts/TTF'),
  DEJAVU('/usr/local/share/fonts/dejavu'),
  { regular: 'C:\\Windows\\Fonts\\arial.ttf', bold: 'C:\\Windows\\Fonts\\arialbd.ttf', mono: 'C:\\Windows\\Fonts\\cour.ttf', monoBold: 'C:\\Windows\\Fonts\\courbd.ttf' },
  {
    regular: '/System/Library/Fonts/Supplemental/Arial.ttf',
    bold: '/System/Library/Fonts/Supplemental/Arial Bold.ttf',
    mono: '/System/Library/Fonts/Supplemental/Courier New.ttf',
    monoBold: '/System/Library/Fonts/Supplemental/Courier New Bold.ttf',
  },
  { regular: '/Library/Fonts/Arial.ttf', bold: '/Library/Fonts/Arial Bold.ttf' },
];

// ---- WinAnsi (the encoding of pdfkit's built-in fonts) --------------------------------------------

export const WIN_ANSI_EXTRA = new Set([
  0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x017e, 0x0178,
]);

export function isWinAnsi(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);
}

/** True when the built-in fonts can show every character of the text. */
export function isWinAnsiText(text: string): boolean {
  for (const ch of text) if (!isWinAnsi(ch.codePointAt(0) as number)) return false;
  return true;
}

export const APPROXIMATIONS: Readonly<Record<string, string>> = {
  '→': '->',
  '←': '<-',
  '↔': '<->',
  '⇒': '=>',
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '✓': 'OK',
  '✔': 'OK',
  '✗': 'X',
  '✘': 'X',
  '☐': '[ ]',
  '☑': '[x]',
  '−': '-',
  '‐': '-',
  '‑': '-',
  '‒': '-',
  '―': '-',
  '\u00a0': ' ',
  '\u2009': ' ',
  '\u202f': ' ',
  '\t': ' ',
};

/** The text as the built-in fonts can show it: approximations, accents dropped, otherwise "?". */
export function toWinAnsi(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (isWinAnsi(cp)) {
      out += ch;
      continue;
    }
    const approx = APPROXIMATIONS[ch];
    if (approx !== undefined) {
      out += approx;
      continue;
    }
    const folded = ch.normalize('NFKD').replace(/\p{M}/gu, '');
    out += folded.length > 0 && isWinAnsiText(folded) ? folded : cp < 0x20 ? ' ' : '?';
  }
  return out;
}

// ---- fonts --------------------------------------------------------------------------------------

export interface FontSet {
  readonly regular: string;
  readonly bold: string;
  readonly mono: string;
  readonly monoBold: string;
  /** Cleans text for a font: identity for Unicode fonts, toWinAnsi for built-in ones. */
  readonly clean: (text: string, font: string) => string;
}

export const STANDARD = { regular: 'Helvetica', bold: 'Helvetica-Bold', mono: 'Courier', monoBold: 'Courier-Bold' } as const;

export function firstAvailable(candidates: readonly PdfFontFiles[]): PdfFontFiles | null {
  return candidates.find((c) => existsSync(c.regular) && existsSync(c.bold)) ?? null;
}

export function setUpFonts(pdf: PDFKit.PDFDocument, doc: ReportDocument, choice: PdfFontChoice): FontSet {
  let files: PdfFontFiles | null = null;
  if (typeof choice === 'object') files = choice;
  else if (choice === 'auto' && !documentText(doc).every(isWinAnsiText)) files = firstAvailable(UNICODE_FONT_CANDIDATES);
  if (!files) return { ...STANDARD, clean: (text) => toWinAnsi(text) };
  pdf.registerFont('cb-regular', files.regular);
  pdf.registerFont('cb-bold', files.bold);
  const hasMono = files.mono !== undefined && existsSync(files.mono);
  const hasMonoBold = files.monoBold !== undefined && existsSync(files.monoBold);
  if (hasMono) pdf.registerFont('cb-mono', files.mono as string);
  if (hasMonoBold) pdf.registerFont('cb-mono-bold', files.monoBold as string);
  const builtIn = new Set<string>([STANDARD.mono, STANDARD.monoBold]);
  return {
    regular: 'cb-regular',
    bold: 'cb-bold',
    mono: hasMono ? 'cb-mono' : STANDARD.mono,
    monoBold: hasMonoBold ? 'cb-mono-bold' : STANDARD.monoBold,
    clean: (text, font) => (builtIn.has(font) ? toWinAnsi(text) : text),
  };
}

// ---- style --------------------------------------------------------------------------------------
