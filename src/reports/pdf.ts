/**
 * Renders a ReportDocument to an A4 PDF with pdfkit: the shared layout for every report (title,
 * headings, paragraphs, lists, fact tables, tables with repeated headers, callouts, the recovery-key
 * grid, QR codes, two-column rows, fill-in boxes, running header and "page n of m" footer).
 *
 * Fonts: pdfkit's built-in Helvetica/Courier (WinAnsi, which covers Portuguese: ç ã é õ …) unless the
 * text needs characters outside WinAnsi (e.g. a clinic name in Cyrillic). Then a Unicode TrueType
 * font is embedded when one is found (DejaVu from fonts-dejavu-core, Arial on Windows/macOS); when
 * none is found, such characters are approximated (accents dropped, arrows as "->") or shown as "?".
 */
import { breakableTokens, cellText, listItemOf, type Block, type Cell, type Column, type Fact, type ListItem, type ReportDocument, type Tone } from './document.js';
import { setUpFonts, type FontSet, type PdfOptions } from './pdfFonts.js';

export { isWinAnsiText, toWinAnsi, UNICODE_FONT_CANDIDATES, type PdfFontChoice, type PdfFontFiles, type PdfOptions } from './pdfFonts.js';

const PAGE_WIDTH = 595.28;
const PAGE_HEIGHT = 841.89;
const MARGIN = { top: 46, bottom: 54, left: 48, right: 48 } as const;

const COLORS = { text: '#1a1a1a', muted: '#555555', rule: '#c8c8c8', headerBg: '#eeeeee', factBg: '#f7f7f7', commandBg: '#f2f2f2' } as const;

const TONE_TEXT: Readonly<Record<Tone, string>> = { neutral: COLORS.text, info: '#0b4f8a', ok: '#1b6e2e', warning: '#8a5a00', danger: '#b00020' };
const TONE_BAR: Readonly<Record<Tone, string>> = { neutral: '#888888', info: '#0b4f8a', ok: '#1b6e2e', warning: '#c98a00', danger: '#b00020' };
const TONE_BG: Readonly<Record<Tone, string>> = { neutral: '#f4f4f4', info: '#e8f1fb', ok: '#e8f5ec', warning: '#fff4e0', danger: '#fdecee' };

interface Style {
  readonly body: number;
  readonly small: number;
  readonly h1: number;
  readonly h2: number;
  readonly h3: number;
  readonly key: number;
  readonly keyIndex: number;
  readonly lineGap: number;
  readonly gap: number;
  readonly cellPad: number;
}

function styleFor(scale: number): Style {
  return {
    body: 10 * scale,
    small: 8.5 * scale,
    h1: 18 * scale,
    h2: 13 * scale,
    h3: 11 * scale,
    key: 13 * scale,
    keyIndex: 7 * scale,
    lineGap: 1.5 * scale,
    gap: 7 * scale,
    cellPad: 3.5 * scale,
  };
}

interface TextOpts {
  readonly font: string;
  readonly size: number;
  readonly color?: string;
  readonly align?: 'left' | 'right' | 'center';
  /** Paths and commands: wrap only after "/" and at spaces, never inside "br-se1" or "--read-data". */
  readonly breakable?: boolean;
}

/** One rendering pass: draws blocks at a cursor, or only measures them (draw = false). */
class Layout {
  y = MARGIN.top;
  readonly top = MARGIN.top;
  readonly bottom = PAGE_HEIGHT - MARGIN.bottom;
  readonly left = MARGIN.left;
  readonly width = PAGE_WIDTH - MARGIN.left - MARGIN.right;

  constructor(
    private readonly pdf: PDFKit.PDFDocument,
    private readonly fonts: FontSet,
    private readonly s: Style,
  ) {}

  // -- primitives

  /** The text with explicit line breaks at allowed places only, so that each line fits the width. */
  private preWrap(text: string, width: number, o: TextOpts): string {
    if (!o.breakable) return text;
    this.pdf.font(o.font).fontSize(o.size);
    const fits = (s: string): boolean => this.pdf.widthOfString(s) <= width - 0.5;
    return text
      .split('\n')
      .map((paragraph) => {
        if (fits(paragraph)) return paragraph;
        const lines: string[] = [];
        let line = '';
        const push = (token: string): void => {
          if (line.trim() === '' || fits(line + token)) line += token;
          else {
            lines.push(line.trimEnd());
            line = token.trimStart();
          }
        };
        for (const token of breakableTokens(paragraph)) {
          if (fits(token)) push(token);
          else for (const ch of token) push(ch); // longer than a line: cut where the line is full, not at its hyphens
        }
        if (line.trim() !== '') lines.push(line.trimEnd());
        return lines.join('\n');
      })
      .join('\n');
  }

  private textHeight(text: string, width: number, o: TextOpts): number {
    const clean = this.preWrap(this.fonts.clean(text, o.font), width, o);
    this.pdf.font(o.font).fontSize(o.size);
    if (clean.length === 0) return this.pdf.currentLineHeight(true) + this.s.lineGap;
    return this.pdf.heightOfString(clean, { width, lineGap: this.s.lineGap });
  }

  /** Draws (or measures) wrapped text; returns its height. */
  private text(text: string, x: number, y: number, width: number, o: TextOpts, draw: boolean): number {
    const h = this.textHeight(text, width, o);
    if (draw) {
      this.pdf
        .font(o.font)
        .fontSize(o.size)
        .fillColor(o.color ?? COLORS.text)
        .text(this.preWrap(this.fonts.clean(text, o.font), width, o), x, y, { width, lineGap: this.s.lineGap, align: o.align ?? 'left' });
    }
    return h;
  }

  private oneLineWidth(text: string, o: TextOpts): number {
    this.pdf.font(o.font).fontSize(o.size);
    return this.pdf.widthOfString(this.fonts.clean(text, o.font));
  }

  private fillRect(x: number, y: number, w: number, h: number, color: string): void {
    this.pdf.save().rect(x, y, w, h).fill(color).restore();
  }

  private strokeRect(x: number, y: number, w: number, h: number, color: string, lineWidth = 0.6): void {
    this.pdf.save().lineWidth(lineWidth).rect(x, y, w, h).stroke(color).restore();
  }

  private line(x1: number, y1: number, x2: number, y2: number, color: string, lineWidth = 0.6): void {
    this.pdf.save().lineWidth(lineWidth).moveTo(x1, y1).lineTo(x2, y2).stroke(color).restore();
  }

  newPage(): void {
    this.pdf.addPage();
    this.y = this.top;
  }

  /** Starts a new page when h does not fit below the cursor (unless the page is still empty). */
  ensure(h: number): void {
    if (this.y + h > this.bottom && this.y > this.top + 0.5) this.newPage();
  }

  // -- header

  header(doc: ReportDocument, draw: boolean): number {
    const x = this.left;
    let h = this.text(doc.title, x, this.y, this.width, { font: this.fonts.bold, size: this.s.h1 }, draw);
    if (doc.subtitle) h += this.text(doc.subtitle, x, this.y + h, this.width, { font: this.fonts.regular, size: this.s.body, color: COLORS.muted }, draw);
    if (doc.meta.length > 0) {
      const line = doc.meta.map((f) => `${f.label}: ${f.value}`).join('     ');
      h += 2 * this.s.lineGap;
      h += this.text(line, x, this.y + h, this.width, { font: this.fonts.regular, size: this.s.small, color: COLORS.muted }, draw);
    }
    h += this.s.gap * 0.5;
    if (draw) this.line(x, this.y + h, x + this.width, this.y + h, COLORS.rule, 0.8);
    return h + this.s.gap;
  }

  // -- blocks (x, y, width given; return the height used)

  block(b: Block, x: number, y: number, width: number, draw: boolean): number {
    const s = this.s;
    const f = this.fonts;
    switch (b.kind) {
      case 'heading': {
        const size = b.level === 2 ? s.h2 : s.h3;
        const before = b.level === 2 ? s.gap * 0.8 : s.gap * 0.4;
        const h = this.text(b.text, x, y + before, width, { font: f.bold, size }, draw);
        if (b.level === 2 && draw) this.line(x, y + before + h, x + width, y + before + h, COLORS.rule);
        return before + h + s.gap * 0.5;
      }
      case 'paragraph': {
        const tone = b.tone ?? 'neutral';
        const color = b.small ? COLORS.muted : TONE_TEXT[tone];
        const font = tone === 'danger' || tone === 'warning' ? f.bold : f.regular;
        return this.text(b.text, x, y, width, { font, size: b.small ? s.small : s.body, color }, draw) + s.gap * 0.6;
      }
      case 'list': {
        let h = 0;
        b.items.forEach((item, i) => {
          h += this.listItem(listItemOf(item), b.ordered ? `${i + 1}.` : '•', x, y + h, width, draw);
        });
        return h + s.gap * 0.4;
      }
      case 'facts':
        return this.facts(b.rows, x, y, width, draw) + s.gap;
      case 'table': {
        const widths = this.columnWidths(b.columns, width);
        let h = this.tableRow(
          b.columns.map((c) => ({ text: c.header, bold: true })),
          b.columns,
          widths,
          x,
          y,
          draw,
          COLORS.headerBg,
        );
        if (b.rows.length === 0) h += this.tableRow([b.empty ?? ''], [{ header: '' }], [width], x, y + h, draw);
        for (const r of b.rows) h += this.tableRow(r, b.columns, widths, x, y + h, draw);
        return h + s.gap;
      }
      case 'callout':
        return this.callout(b.tone, b.title, b.lines, x, y, width, draw) + s.gap;
      case 'keyGrid':
        return this.keyGrid(b.lineLabels, b.lines, x, y, width, draw) + s.gap;
      case 'qr':
        return this.qr(b.modules, b.size, b.caption, x, y, width, draw) + s.gap * 0.5;
      case 'split': {
        const gap = 14;
        const rightWidth = Math.min(b.rightWidth, width * 0.6);
        const leftWidth = width - rightWidth - gap;
        let hl = 0;
        for (const c of b.left) hl += this.block(c, x, y + hl, leftWidth, draw);
        let hr = 0;
        for (const c of b.right) hr += this.block(c, x + leftWidth + gap, y + hr, rightWidth, draw);
        return Math.max(hl, hr);
      }
      case 'writeIn':
        return this.writeIn(b.title, b.fields, x, y, width, draw) + s.gap;
      case 'pageBreak':
        return 0;
    }
  }

  listItem(item: ListItem, marker: string, x: number, y: number, width: number, draw: boolean): number {
    const s = this.s;
    const indent = 16 * (s.body / 10);
    const body = { font: this.fonts.regular, size: s.body };
    this.text(marker, x, y, indent, body, draw);
    let h = this.text(item.text, x + indent, y, width - indent, body, draw);
    if (item.command !== undefined) {
      const mono = { font: this.fonts.mono, size: s.body * 0.92, breakable: true };
      const pad = 2.5;
      const ch = this.textHeight(item.command, width - indent - 2 * pad - 4, mono);
      if (draw) this.fillRect(x + indent, y + h + 1, width - indent, ch + 2 * pad, COLORS.commandBg);
      this.text(item.command, x + indent + pad + 2, y + h + 1 + pad, width - indent - 2 * pad - 4, mono, draw);
      h += ch + 2 * pad + 2;
    }
    return h + s.lineGap * 1.5;
  }

  facts(rows: readonly Fact[], x: number, y: number, width: number, draw: boolean): number {
    const s = this.s;
    const labelWidth = Math.min(170, width * 0.34);
    let h = 0;
    for (const r of rows) {
      const pad = s.cellPad;
      const label = { font: this.fonts.bold, size: s.body };
      const value = { font: r.mono ? this.fonts.mono : this.fonts.regular, size: r.mono ? s.body * 0.95 : s.body, color: TONE_TEXT[r.tone ?? 'neutral'], breakable: r.mono === true };
      const rh = Math.max(this.textHeight(r.label, labelWidth - 2 * pad, label), this.textHeight(r.value, width - labelWidth - 2 * pad, value)) + 2 * pad;
      if (draw) {
        this.fillRect(x, y + h, labelWidth, rh, COLORS.factBg);
        this.strokeRect(x, y + h, width, rh, COLORS.rule);
        this.line(x + labelWidth, y + h, x + labelWidth, y + h + rh, COLORS.rule);
      }
      this.text(r.label, x + pad, y + h + pad, labelWidth - 2 * pad, label, draw);
      this.text(r.value, x + labelWidth + pad, y + h + pad, width - labelWidth - 2 * pad, value, draw);
      h += rh;
    }
    return h;
  }

  columnWidths(columns: readonly Column[], width: number): number[] {
    const total = columns.reduce((n, c) => n + (c.weight ?? 1), 0);
    return columns.map((c) => (width * (c.weight ?? 1)) / total);
  }

  tableRow(cells: readonly Cell[], columns: readonly Column[], widths: readonly number[], x: number, y: number, draw: boolean, bg?: string): number {
    const pad = this.s.cellPad;
    const opts = cells.map((cell): TextOpts => {
      const c = typeof cell === 'string' ? { text: cell } : cell;
      const font = c.mono ? (c.bold ? this.fonts.monoBold : this.fonts.mono) : c.bold ? this.fonts.bold : this.fonts.regular;
      return { font, size: this.s.body * 0.95, color: TONE_TEXT[c.tone ?? 'neutral'], breakable: c.mono === true };
    });
    const heights = cells.map((cell, i) => this.textHeight(cellText(cell), (widths[i] ?? 0) - 2 * pad, opts[i] as TextOpts));
    const rh = Math.max(...heights, 0) + 2 * pad;
    if (draw) {
      const total = widths.reduce((a, b) => a + b, 0);
      if (bg) this.fillRect(x, y, total, rh, bg);
      let cx = x;
      widths.forEach((w, i) => {
        this.strokeRect(cx, y, w, rh, COLORS.rule);
        const cell = cells[i];
        if (cell !== undefined) this.text(cellText(cell), cx + pad, y + pad, w - 2 * pad, { ...(opts[i] as TextOpts), align: columns[i]?.align ?? 'left' }, true);
        cx += w;
      });
    }
    return rh;
  }

  callout(tone: Tone, title: string, lines: readonly string[], x: number, y: number, width: number, draw: boolean): number {
    const s = this.s;
    const pad = 6 * (s.body / 10);
    const bar = 3.5;
    const inner = width - bar - 2 * pad;
    const titleOpts = { font: this.fonts.bold, size: s.body, color: TONE_TEXT[tone] };
    const lineOpts = { font: this.fonts.regular, size: s.body };
    let h = this.textHeight(title, inner, titleOpts);
    for (const l of lines) h += this.textHeight(l, inner, lineOpts);
    const total = h + 2 * pad;
    if (draw) {
      this.fillRect(x, y, width, total, TONE_BG[tone]);
      this.fillRect(x, y, bar, total, TONE_BAR[tone]);
      let cy = y + pad;
      cy += this.text(title, x + bar + pad, cy, inner, titleOpts, true);
      for (const l of lines) cy += this.text(l, x + bar + pad, cy, inner, lineOpts, true);
    }
    return total;
  }

  keyGrid(labels: readonly string[], lines: readonly (readonly string[])[], x: number, y: number, width: number, draw: boolean): number {
    const s = this.s;
    const labelOpts = { font: this.fonts.bold, size: s.body };
    const labelWidth = Math.max(...labels.map((l) => this.oneLineWidth(l, labelOpts)), 20) + 2 * s.cellPad + 4;
    const perLine = Math.max(...lines.map((l) => l.length), 1);
    const cellWidth = (width - labelWidth) / perLine;
    const rowHeight = s.key * 1.75;
    if (draw) {
      let position = 0;
      lines.forEach((words, row) => {
        const ry = y + row * rowHeight;
        this.fillRect(x, ry, labelWidth, rowHeight, COLORS.headerBg);
        this.strokeRect(x, ry, labelWidth + cellWidth * perLine, rowHeight, COLORS.rule);
        const baseline = ry + (rowHeight - s.key) / 2;
        this.text(labels[row] ?? String(row + 1), x + s.cellPad, baseline + (s.key - s.body) * 0.75, labelWidth - 2 * s.cellPad, labelOpts, true);
        words.forEach((word, i) => {
          position++;
          const cx = x + labelWidth + i * cellWidth;
          if (i > 0) this.line(cx, ry, cx, ry + rowHeight, COLORS.rule);
          const num = String(position);
          const numOpts = { font: this.fonts.regular, size: s.keyIndex, color: '#777777' };
          const numWidth = 12 * (s.key / 13);
          this.text(num, cx + 3, baseline + (s.key - s.keyIndex) * 0.75, numWidth, { ...numOpts, align: 'right' }, true);
          this.text(word, cx + 3 + numWidth + 4, baseline, cellWidth - numWidth - 10, { font: this.fonts.monoBold, size: s.key }, true);
        });
      });
    }
    return rowHeight * lines.length;
  }

  qr(modules: readonly (readonly boolean[])[], size: number, caption: string, x: number, y: number, width: number, draw: boolean): number {
    const n = modules.length;
    const side = Math.min(size, width);
    const m = side / (n + 8); // 4-module quiet zone on each side
    const ox = x + (width - side) / 2;
    if (draw) {
      this.fillRect(ox, y, side, side, '#ffffff');
      this.pdf.save();
      modules.forEach((row, r) => {
        let c = 0;
        while (c < row.length) {
          if (!row[c]) {
            c++;
            continue;
          }
          let end = c;
          while (end < row.length && row[end]) end++;
          this.pdf.rect(ox + (4 + c) * m, y + (4 + r) * m, (end - c) * m, m);
          c = end;
        }
      });
      this.pdf.fill('#000000').restore();
    }
    const captionOpts = { font: this.fonts.regular, size: this.s.small, color: COLORS.muted, align: 'center' as const };
    return side + this.text(caption, x, y + side, width, captionOpts, draw);
  }

  writeIn(title: string, fields: readonly string[], x: number, y: number, width: number, draw: boolean): number {
    const s = this.s;
    const pad = 8 * (s.body / 10);
    const titleOpts = { font: this.fonts.bold, size: s.body };
    const fieldOpts = { font: this.fonts.regular, size: s.body };
    const fieldHeight = 24 * (s.body / 10);
    const th = this.textHeight(title, width - 2 * pad, titleOpts);
    const total = pad + th + fields.length * fieldHeight + pad;
    if (draw) {
      this.strokeRect(x, y, width, total, COLORS.text, 1.4);
      this.text(title, x + pad, y + pad, width - 2 * pad, titleOpts, true);
      fields.forEach((field, i) => {
        const fy = y + pad + th + (i + 1) * fieldHeight - s.body * 1.3;
        const lw = this.oneLineWidth(field, fieldOpts);
        this.text(field, x + pad, fy, width - 2 * pad, fieldOpts, true);
        const lineY = fy + s.body * 1.05;
        this.line(x + pad + lw + 6, lineY, x + width - pad, lineY, COLORS.text, 0.7);
      });
    }
    return total;
  }

  // -- top level: page breaks between blocks, inside tables and lists

  /** Height needed at least after a heading so it is not left alone at the bottom of a page. */
  private firstPartHeight(b: Block | undefined): number {
    if (!b) return 0;
    switch (b.kind) {
      case 'table':
        return 3 * this.s.body * 2.2;
      case 'list':
        return this.s.body * 3;
      case 'heading':
      case 'pageBreak':
        return this.s.body * 2;
      default:
        return Math.min(this.block(b, this.left, this.y, this.width, false), this.s.body * 8);
    }
  }

  flow(blocks: readonly Block[]): void {
    blocks.forEach((b, i) => {
      switch (b.kind) {
        case 'pageBreak':
          if (this.y > this.top + 0.5) this.newPage();
          return;
        case 'heading': {
          const h = this.block(b, this.left, this.y, this.width, false);
          this.ensure(h + this.firstPartHeight(blocks[i + 1]));
          this.y += this.block(b, this.left, this.y, this.width, true);
          return;
        }
        case 'table': {
          const widths = this.columnWidths(b.columns, this.width);
          const headerCells = b.columns.map((c): Cell => ({ text: c.header, bold: true }));
          const drawHeader = (): void => {
            this.y += this.tableRow(headerCells, b.columns, widths, this.left, this.y, true, COLORS.headerBg);
          };
          const headerHeight = this.tableRow(headerCells, b.columns, widths, this.left, this.y, false);
          const rows: { cells: readonly Cell[]; columns: readonly Column[]; widths: readonly number[] }[] =
            b.rows.length > 0 ? b.rows.map((cells) => ({ cells, columns: b.columns, widths })) : [{ cells: [b.empty ?? ''], columns: [{ header: '' }], widths: [this.width] }];
          rows.forEach((r, index) => {
            const rh = this.tableRow(r.cells, r.columns, r.widths, this.left, this.y, false);
            if (index === 0) {
              this.ensure(headerHeight + rh);
              drawHeader();
            } else if (this.y + rh > this.bottom) {
              this.newPage();
              drawHeader();
            }
            this.y += this.tableRow(r.cells, r.columns, r.widths, this.left, this.y, true);
          });
          this.y += this.s.gap;
          return;
        }
        case 'list': {
          b.items.forEach((item, index) => {
            const marker = b.ordered ? `${index + 1}.` : '•';
            const li = listItemOf(item);
            this.ensure(this.listItem(li, marker, this.left, this.y, this.width, false));
            this.y += this.listItem(li, marker, this.left, this.y, this.width, true);
          });
          this.y += this.s.gap * 0.4;
          return;
        }
        default: {
          const h = this.block(b, this.left, this.y, this.width, false);
          this.ensure(h);
          this.y += this.block(b, this.left, this.y, this.width, true);
        }
      }
    });
  }

  /** Height of the whole document on one endless page (to choose a scale for single-page documents). */
  totalHeight(doc: ReportDocument): number {
    let h = this.header(doc, false);
    for (const b of doc.blocks) h += this.block(b, this.left, this.top, this.width, false);
    return h;
  }

  footers(doc: ReportDocument): void {
    const range = this.pdf.bufferedPageRange();
    const pages = range.count;
    const small = { font: this.fonts.regular, size: 8 * (this.s.body / 10), color: '#666666' };
    for (let i = 0; i < pages; i++) {
      this.pdf.switchToPage(range.start + i);
      const bottomMargin = this.pdf.page.margins.bottom;
      this.pdf.page.margins.bottom = 0; // writing inside the bottom margin must not open a new page
      const fy = PAGE_HEIGHT - MARGIN.bottom + 16;
      this.line(this.left, fy - 4, this.left + this.width, fy - 4, COLORS.rule);
      const label = doc.pageLabel.replace('{page}', String(i + 1)).replace('{pages}', String(pages));
      const labelWidth = this.oneLineWidth(label, small) + 2;
      this.pdf
        .font(small.font)
        .fontSize(small.size)
        .fillColor(small.color)
        .text(this.fonts.clean(doc.footer, small.font), this.left, fy, { width: this.width - labelWidth - 12, lineBreak: false, ellipsis: true, height: small.size * 1.3 });
      this.pdf.text(this.fonts.clean(label, small.font), this.left + this.width - labelWidth, fy, { width: labelWidth, align: 'right', lineBreak: false });
      if (i > 0) {
        this.pdf.text(this.fonts.clean(doc.title, small.font), this.left, MARGIN.top - 24, { width: this.width, lineBreak: false, ellipsis: true, height: small.size * 1.3 });
      }
      this.pdf.page.margins.bottom = bottomMargin;
    }
  }
}

const SINGLE_PAGE_SCALES = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7] as const;
const MIN_SCALE = 0.7;

/** The document as a PDF (A4). */
export async function renderPdf(doc: ReportDocument, options: PdfOptions = {}): Promise<Buffer> {
  // pdfkit (large, slow to load) loads when the first PDF is made, never for commands that make none.
  const { default: PDFDocument } = await import('pdfkit');
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { ...MARGIN },
    bufferPages: true,
    autoFirstPage: true,
    lang: doc.locale,
    displayTitle: true,
    info: {
      Title: doc.title,
      Author: doc.pdfInfo?.author ?? 'Clinic Backup',
      Subject: doc.pdfInfo?.subject ?? doc.title,
      Keywords: doc.pdfInfo?.keywords ?? '',
      Creator: 'Clinic Backup',
      Producer: 'Clinic Backup (PDFKit)',
      CreationDate: options.creationDate ?? new Date(),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (c: Buffer) => chunks.push(c));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });
  const fonts = setUpFonts(pdf, doc, options.fonts ?? 'auto');
  let scale: number = SINGLE_PAGE_SCALES[0];
  if (doc.singlePage) {
    const available = PAGE_HEIGHT - MARGIN.top - MARGIN.bottom;
    scale = SINGLE_PAGE_SCALES.find((sc) => new Layout(pdf, fonts, styleFor(sc)).totalHeight(doc) <= available) ?? MIN_SCALE;
  }
  const layout = new Layout(pdf, fonts, styleFor(scale));
  layout.y += layout.header(doc, true);
  layout.flow(doc.blocks);
  layout.footers(doc);
  pdf.end();
  return done;
}
