/**
 * The shared shape of every printed report: a title, a few header facts and a list of blocks.
 * Each report (recovery kit, drill report, DR plan, compliance summary) is a pure function from its
 * data to a ReportDocument; html.ts and pdf.ts render any ReportDocument, so the two formats carry
 * the same text and no report repeats layout code. All text is plain (no markup): renderers escape it.
 */
import type { Locale } from '../i18n/index.js';

export type Tone = 'neutral' | 'info' | 'ok' | 'warning' | 'danger';

/** A table cell: plain text, optionally coloured by tone, monospaced or bold. */
export type Cell = string | { readonly text: string; readonly tone?: Tone; readonly mono?: boolean; readonly bold?: boolean };

export interface Column {
  readonly header: string;
  /** Share of the table width (relative to the other columns); default 1. */
  readonly weight?: number;
  readonly align?: 'left' | 'right' | 'center';
}

export interface ListItem {
  readonly text: string;
  /** A command to type, shown monospaced under the text. */
  readonly command?: string;
}

export interface Fact {
  readonly label: string;
  readonly value: string;
  readonly mono?: boolean;
  readonly tone?: Tone;
}

export type Block =
  | { readonly kind: 'heading'; readonly level: 2 | 3; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string; readonly tone?: Tone; readonly small?: boolean }
  | { readonly kind: 'list'; readonly items: readonly (string | ListItem)[]; readonly ordered?: boolean }
  | { readonly kind: 'facts'; readonly rows: readonly Fact[] }
  | { readonly kind: 'table'; readonly columns: readonly Column[]; readonly rows: readonly (readonly Cell[])[]; readonly empty?: string }
  | { readonly kind: 'callout'; readonly tone: Tone; readonly title: string; readonly lines: readonly string[] }
  /** The recovery key: numbered lines of words, each word with its position over the whole key. */
  | { readonly kind: 'keyGrid'; readonly lineLabels: readonly string[]; readonly lines: readonly (readonly string[])[] }
  /** A QR code: the module matrix (row-major, true = dark) and the text under it. */
  | { readonly kind: 'qr'; readonly modules: readonly (readonly boolean[])[]; readonly caption: string; readonly label: string; readonly size: number }
  /** Two columns side by side (never split over pages); `rightWidth` in points of the A4 page. */
  | { readonly kind: 'split'; readonly left: readonly Block[]; readonly right: readonly Block[]; readonly rightWidth: number }
  /** Blank lines to fill in by hand ("Kit stored on ____ by ____"). */
  | { readonly kind: 'writeIn'; readonly title: string; readonly fields: readonly string[] }
  | { readonly kind: 'pageBreak' };

export interface ReportDocument {
  readonly locale: Locale;
  readonly title: string;
  readonly subtitle?: string;
  /** Small facts under the title (clinic, generated at, …). */
  readonly meta: readonly Fact[];
  readonly blocks: readonly Block[];
  /** Left part of every page footer. */
  readonly footer: string;
  /** "Página {page} de {pages}" with both placeholders. */
  readonly pageLabel: string;
  /** The PDF must fit one page (fonts shrink a little when needed). */
  readonly singlePage?: boolean;
  /** Document properties of the PDF. */
  readonly pdfInfo?: { readonly author?: string; readonly subject?: string; readonly keywords?: string };
}

/** Pieces of a path or command between which a line may break: after "/" (not inside "//") and around spaces. */
export function breakableTokens(text: string): string[] {
  return text.split(/(?<=\/)(?!\/)|(?=\s)|(?<=\s)/).filter((t) => t.length > 0);
}

export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}

export function listItemOf(item: string | ListItem): ListItem {
  return typeof item === 'string' ? { text: item } : item;
}

/** Every piece of visible text of a document (font selection, tests). */
export function documentText(doc: ReportDocument): string[] {
  const out: string[] = [doc.title, doc.subtitle ?? '', doc.footer, doc.pageLabel];
  for (const f of doc.meta) out.push(f.label, f.value);
  const walk = (blocks: readonly Block[]): void => {
    for (const b of blocks) {
      switch (b.kind) {
        case 'heading':
        case 'paragraph':
          out.push(b.text);
          break;
        case 'list':
          for (const i of b.items) {
            const item = listItemOf(i);
            out.push(item.text, item.command ?? '');
          }
          break;
        case 'facts':
          for (const f of b.rows) out.push(f.label, f.value);
          break;
        case 'table':
          out.push(...b.columns.map((c) => c.header), b.empty ?? '');
          for (const r of b.rows) out.push(...r.map(cellText));
          break;
        case 'callout':
          out.push(b.title, ...b.lines);
          break;
        case 'keyGrid':
          out.push(...b.lineLabels, ...b.lines.flat());
          break;
        case 'qr':
          out.push(b.caption, b.label);
          break;
        case 'split':
          walk(b.left);
          walk(b.right);
          break;
        case 'writeIn':
          out.push(b.title, ...b.fields);
          break;
        case 'pageBreak':
          break;
      }
    }
  };
  walk(doc.blocks);
  return out.filter((s) => s.length > 0);
}
