/**
 * Renders a ReportDocument as one self-contained HTML page (inline CSS and SVG, no scripts, no
 * external resources), printable on A4. Every piece of text goes through escapeHtml.
 */
import { breakableTokens, listItemOf, type Block, type Cell, type Fact, type ReportDocument, type Tone } from './document.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text and attribute values: & < > " ' escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * A path or command that may wrap only after "/" and at spaces (never at the hyphen of "br-se1" or
 * "--read-data", which a reader could take for a hyphenation): unbreakable pieces joined by <wbr>.
 */
export function breakableHtml(text: string): string {
  return breakableTokens(text)
    .map((t) => (/^\s+$/.test(t) ? ' ' : `<span class="nb">${escapeHtml(t)}</span>`))
    .join('<wbr>');
}

const CSS = `
@page { size: A4; margin: 14mm; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, "DejaVu Sans", sans-serif; color: #1a1a1a; font-size: 10.5pt; line-height: 1.4; margin: 0 auto; max-width: 190mm; padding: 8mm 0; }
h1 { font-size: 18pt; margin: 0 0 2pt; }
h2 { font-size: 13pt; margin: 14pt 0 5pt; border-bottom: 1px solid #c8c8c8; padding-bottom: 2pt; break-after: avoid; }
h3 { font-size: 11pt; margin: 10pt 0 4pt; break-after: avoid; }
p { margin: 0 0 6pt; }
.subtitle { color: #555; margin-bottom: 6pt; }
.meta { display: flex; flex-wrap: wrap; gap: 2pt 16pt; margin: 0 0 8pt; padding: 0; color: #444; font-size: 9.5pt; }
.meta div { display: flex; gap: 4pt; }
.meta dt { font-weight: bold; }
.meta dd { margin: 0; }
.small { font-size: 9pt; color: #555; }
.mono, code { font-family: "Courier New", Courier, "DejaVu Sans Mono", monospace; }
code.command { display: block; background: #f2f2f2; border-radius: 3px; padding: 2pt 5pt; margin: 2pt 0 0; }
ol, ul { margin: 0 0 6pt; padding-left: 18pt; }
li { margin-bottom: 3pt; }
table { border-collapse: collapse; width: 100%; margin: 0 0 8pt; break-inside: auto; }
tr { break-inside: avoid; }
th, td { border: 1px solid #c8c8c8; padding: 3pt 5pt; text-align: left; vertical-align: top; overflow-wrap: break-word; }
thead th { background: #eeeeee; }
table.facts th { width: 32%; background: #f7f7f7; font-weight: bold; }
td.right, th.right { text-align: right; }
td.center, th.center { text-align: center; }
.tone-ok { color: #1b6e2e; }
.tone-warning { color: #8a5a00; }
.tone-danger { color: #b00020; }
.tone-info { color: #0b4f8a; }
.bold { font-weight: bold; }
.callout { border-left: 4pt solid #888; background: #f4f4f4; padding: 5pt 8pt; margin: 0 0 8pt; break-inside: avoid; }
.callout p { margin: 0 0 2pt; }
.callout .title { font-weight: bold; }
.callout.ok { border-color: #1b6e2e; background: #e8f5ec; }
.callout.warning { border-color: #c98a00; background: #fff4e0; }
.callout.danger { border-color: #b00020; background: #fdecee; }
.callout.info { border-color: #0b4f8a; background: #e8f1fb; }
table.key { width: auto; margin: 4pt 0 10pt; }
table.key th { background: #eeeeee; white-space: nowrap; }
table.key td { font-family: "Courier New", Courier, "DejaVu Sans Mono", monospace; font-size: 13pt; font-weight: bold; padding: 4pt 10pt 4pt 6pt; min-width: 34mm; }
table.key td { line-height: 1.2; }
table.key td .n { font-family: Helvetica, Arial, sans-serif; font-size: 7.5pt; font-weight: normal; color: #777; margin-right: 4pt; vertical-align: baseline; }
figure.qr { margin: 0; text-align: center; }
figure.qr svg { display: block; margin: 0 auto 3pt; }
figure.qr figcaption { font-size: 8.5pt; color: #444; }
.split { display: flex; gap: 14pt; align-items: flex-start; break-inside: avoid; }
.split > .left { flex: 1 1 auto; min-width: 0; }
.split > .right { flex: 0 0 auto; }
.split figure.qr figcaption { max-width: 100%; }
.write-in { border: 1.5pt solid #1a1a1a; padding: 6pt 10pt; margin: 4pt 0 8pt; break-inside: avoid; }
.write-in .title { font-weight: bold; margin-bottom: 2pt; }
.write-in .field { display: flex; align-items: flex-end; gap: 6pt; margin-top: 12pt; }
.write-in .blank { flex: 1; border-bottom: 1px solid #1a1a1a; height: 12pt; }
.page-break { break-before: page; }
.nb { white-space: nowrap; }
@media print { body { padding: 0; max-width: none; } }
body.single-page { font-size: 9pt; line-height: 1.28; }
body.single-page h1 { font-size: 16pt; }
body.single-page h2 { font-size: 11.5pt; margin: 8pt 0 4pt; }
body.single-page h3 { margin: 6pt 0 3pt; }
body.single-page table { margin-bottom: 5pt; }
body.single-page th, body.single-page td { padding: 2pt 4pt; }
body.single-page table.key { width: 100%; }
body.single-page table.key td { font-size: 11.5pt; padding: 1.5pt 6pt 1.5pt 4pt; }
body.single-page .callout { padding: 4pt 7pt; margin-bottom: 6pt; }
body.single-page li { margin-bottom: 1pt; }
body.single-page .write-in .field { margin-top: 9pt; }
body.single-page footer { margin-top: 4pt; padding-top: 2pt; }
body.single-page .write-in { padding: 4pt 8pt; margin: 2pt 0 4pt; }
footer { margin-top: 14pt; border-top: 1px solid #c8c8c8; padding-top: 3pt; font-size: 8.5pt; color: #666; }
`;

/** Tighter page margins for documents that must print on one sheet (the recovery kit). */
const SINGLE_PAGE_CSS = '@page { size: A4; margin: 9mm 11mm; }\n';

function toneClass(tone: Tone | undefined): string {
  return tone && tone !== 'neutral' ? `tone-${tone}` : '';
}

function classAttr(...names: (string | false | undefined)[]): string {
  const list = names.filter((n): n is string => typeof n === 'string' && n.length > 0);
  return list.length > 0 ? ` class="${list.join(' ')}"` : '';
}

function cellHtml(tag: 'td' | 'th', cell: Cell, align: string | undefined): string {
  const c = typeof cell === 'string' ? { text: cell } : cell;
  const cls = classAttr(align && align !== 'left' ? align : undefined, toneClass(c.tone), c.mono === true && 'mono', c.bold === true && 'bold');
  return `<${tag}${cls}>${c.mono === true ? breakableHtml(c.text) : escapeHtml(c.text)}</${tag}>`;
}

function factsHtml(rows: readonly Fact[]): string {
  const body = rows
    .map(
      (f) => `<tr><th scope="row">${escapeHtml(f.label)}</th><td${classAttr(toneClass(f.tone), f.mono === true && 'mono')}>${f.mono === true ? breakableHtml(f.value) : escapeHtml(f.value)}</td></tr>`,
    )
    .join('');
  return `<table class="facts"><tbody>${body}</tbody></table>`;
}

/** The QR matrix as crisp SVG squares with a 4-module quiet zone. */
export function qrSvg(modules: readonly (readonly boolean[])[], sizePt: number, label: string): string {
  const n = modules.length;
  const quiet = 4;
  const total = n + quiet * 2;
  let d = '';
  modules.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    });
  });
  const px = Math.round((sizePt * total) / n);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(label)}" width="${px}pt" height="${px}pt" ` +
    `viewBox="0 0 ${total} ${total}" shape-rendering="crispEdges"><rect width="${total}" height="${total}" fill="#ffffff"/>` +
    `<path fill="#000000" d="${d}"/></svg>`
  );
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h${block.level}>${escapeHtml(block.text)}</h${block.level}>`;
    case 'paragraph':
      return `<p${classAttr(toneClass(block.tone), block.small === true && 'small')}>${escapeHtml(block.text)}</p>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      const items = block.items
        .map((i) => {
          const item = listItemOf(i);
          const cmd = item.command !== undefined ? `<code class="command">${breakableHtml(item.command)}</code>` : '';
          return `<li>${escapeHtml(item.text)}${cmd}</li>`;
        })
        .join('');
      return `<${tag}>${items}</${tag}>`;
    }
    case 'facts':
      return factsHtml(block.rows);
    case 'table': {
      const head = `<thead><tr>${block.columns.map((c) => cellHtml('th', c.header, c.align)).join('')}</tr></thead>`;
      const rows =
        block.rows.length > 0
          ? block.rows.map((r) => `<tr>${r.map((cell, i) => cellHtml('td', cell, block.columns[i]?.align)).join('')}</tr>`).join('')
          : `<tr><td colspan="${block.columns.length}">${escapeHtml(block.empty ?? '')}</td></tr>`;
      return `<table>${head}<tbody>${rows}</tbody></table>`;
    }
    case 'callout': {
      const lines = block.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('');
      const tone = block.tone === 'neutral' ? '' : ` ${block.tone}`;
      return `<div class="callout${tone}" role="note"><p class="title">${escapeHtml(block.title)}</p>${lines}</div>`;
    }
    case 'keyGrid': {
      let position = 0;
      const rows = block.lines
        .map((words, i) => {
          const cells = words
            .map((w) => {
              position++;
              return `<td><span class="n">${position}</span>${escapeHtml(w)}</td>`;
            })
            .join('');
          return `<tr><th scope="row">${escapeHtml(block.lineLabels[i] ?? String(i + 1))}</th>${cells}</tr>`;
        })
        .join('');
      return `<table class="key"><tbody>${rows}</tbody></table>`;
    }
    case 'qr':
      return `<figure class="qr">${qrSvg(block.modules, block.size, block.label)}<figcaption>${escapeHtml(block.caption)}</figcaption></figure>`;
    case 'split':
      return `<div class="split"><div class="left">${block.left.map(blockHtml).join('\n')}</div><div class="right" style="width: ${Math.round(block.rightWidth)}pt">${block.right
        .map(blockHtml)
        .join('\n')}</div></div>`;
    case 'writeIn': {
      const fields = block.fields.map((f) => `<div class="field"><span>${escapeHtml(f)}</span><span class="blank"></span></div>`).join('');
      return `<div class="write-in"><p class="title">${escapeHtml(block.title)}</p>${fields}</div>`;
    }
    case 'pageBreak':
      return '<div class="page-break"></div>';
  }
}

export function renderHtml(doc: ReportDocument): string {
  const meta =
    doc.meta.length > 0
      ? `<dl class="meta">${doc.meta.map((f) => `<div><dt>${escapeHtml(f.label)}</dt><dd${classAttr(f.mono === true && 'mono')}>${escapeHtml(f.value)}</dd></div>`).join('')}</dl>`
      : '';
  const subtitle = doc.subtitle ? `<p class="subtitle">${escapeHtml(doc.subtitle)}</p>` : '';
  return [
    '<!DOCTYPE html>',
    `<html lang="${escapeHtml(doc.locale)}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="Clinic Backup">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${CSS}${doc.singlePage ? SINGLE_PAGE_CSS : ''}</style>`,
    '</head>',
    doc.singlePage ? '<body class="single-page">' : '<body>',
    `<header><h1>${escapeHtml(doc.title)}</h1>${subtitle}${meta}</header>`,
    '<main>',
    ...doc.blocks.map(blockHtml),
    '</main>',
    `<footer>${escapeHtml(doc.footer)}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
