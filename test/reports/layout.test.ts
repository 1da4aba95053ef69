// The shared layout: HTML escaping and structure, PDF page flow (tables split with their header,
// footers), fonts and accents, path-aware wrapping, and the formatting helpers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { breakableTokens, type Block, type ReportDocument } from '../../src/reports/document.js';
import { formatBytes, formatDate, formatDateTime, formatDuration, formatPercent } from '../../src/reports/format.js';
import { breakableHtml, escapeHtml, renderHtml } from '../../src/reports/html.js';
import { isWinAnsiText, renderPdf, toWinAnsi, UNICODE_FONT_CANDIDATES } from '../../src/reports/pdf.js';
import { safeLocation } from '../../src/reports/common.js';
import { tempDir } from '../support/tmp.js';
import { checkHtml, pdfFonts, pdfInfo, pdfText, POPPLER_SKIP } from './helpers.js';

function doc(blocks: Block[], overrides: Partial<ReportDocument> = {}): ReportDocument {
  return {
    locale: 'pt-BR',
    title: 'Relatório de exceção – ação',
    subtitle: 'Clínica São José',
    meta: [{ label: 'Gerado em', value: '02/03/2026 11:30' }],
    blocks,
    footer: 'Rodapé da clínica',
    pageLabel: 'Página {page} de {pages}',
    ...overrides,
  };
}

const longTable = (rows: number): Block => ({
  kind: 'table',
  columns: [{ header: 'Tipo de recurso' }, { header: 'Quantidade', align: 'right' }],
  rows: Array.from({ length: rows }, (_, i) => [`Linha ${i + 1}`, String(i * 7)]),
});

describe('HTML rendering', () => {
  it('escapes the five special characters in text and attributes', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('produces a well-formed standalone page for every block kind, with all text escaped', () => {
    const evil = '<script>alert(1)</script>';
    const html = renderHtml(
      doc(
        [
          { kind: 'heading', level: 2, text: evil },
          { kind: 'paragraph', text: evil, tone: 'danger' },
          { kind: 'list', ordered: true, items: [evil, { text: 'cmd', command: `clinic-backup restore --target "${evil}"` }] },
          { kind: 'facts', rows: [{ label: evil, value: evil, mono: true }] },
          { kind: 'table', columns: [{ header: evil }], rows: [[{ text: evil, tone: 'ok', mono: true }]] },
          { kind: 'table', columns: [{ header: 'x' }], rows: [], empty: evil },
          { kind: 'callout', tone: 'warning', title: evil, lines: [evil] },
          { kind: 'keyGrid', lineLabels: [evil], lines: [['a', 'b', 'c', evil]] },
          {
            kind: 'qr',
            modules: [
              [true, false],
              [false, true],
            ],
            caption: evil,
            label: evil,
            size: 50,
          },
          { kind: 'split', left: [{ kind: 'paragraph', text: evil }], right: [{ kind: 'paragraph', text: evil }], rightWidth: 100 },
          { kind: 'writeIn', title: evil, fields: [evil] },
          { kind: 'pageBreak' },
        ],
        { title: evil, subtitle: evil, footer: evil, meta: [{ label: evil, value: evil }] },
      ),
    );
    const { problems, elements } = checkHtml(html);
    assert.deepEqual(problems, []);
    assert.ok(!/<script/i.test(html));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    for (const el of ['html', 'head', 'title', 'style', 'body', 'header', 'h1', 'main', 'h2', 'ol', 'table', 'thead', 'tbody', 'svg', 'figure', 'footer']) assert.ok(elements.includes(el), el);
    assert.equal((html.match(/<h1>/g) ?? []).length, 1);
  });

  it('paths and commands break only after "/" and at spaces', () => {
    assert.deepEqual(breakableTokens('s3:https://br-se1.example.com/a-b/c'), ['s3:https://', 'br-se1.example.com/', 'a-b/', 'c']);
    assert.deepEqual(breakableTokens('clinic-backup connect --repo /mnt/x'), ['clinic-backup', ' ', 'connect', ' ', '--repo', ' ', '/', 'mnt/', 'x']);
    assert.equal(breakableHtml('a-b/c<d'), '<span class="nb">a-b/</span><wbr><span class="nb">c&lt;d</span>');
  });
});

describe('locations on paper', () => {
  it('lose credentials, query strings and fragments', () => {
    assert.equal(safeLocation('s3:https://AKIA:secret@s3.example.com/bucket/p?X-Amz-Signature=1#f'), 's3:https://s3.example.com/bucket/p');
    assert.equal(safeLocation('s3:AKIA:secret@bucket/p'), 's3:bucket/p');
    assert.equal(safeLocation('/mnt/nas/backup'), '/mnt/nas/backup');
    assert.equal(safeLocation('C:\\Backups\\Clínica'), 'C:\\Backups\\Clínica');
  });
});

describe('formatting', () => {
  it('dates in the clinic zone, per locale', () => {
    assert.equal(formatDate('2026-03-02T02:30:00Z', 'pt-BR'), '01/03/2026'); // 23:30 the day before in São Paulo
    assert.equal(formatDate('2026-03-02T02:30:00Z', 'en'), '2026-03-01');
    assert.equal(formatDateTime('2026-03-02T14:30:00Z', 'pt-BR'), '02/03/2026 11:30');
    assert.equal(formatDateTime('2026-03-02T14:30:00Z', 'en', 'UTC'), '2026-03-02 14:30');
    assert.equal(formatDate('not a date', 'en'), 'not a date');
  });

  it('durations, sizes and percentages', () => {
    assert.equal(formatDuration(0, 'en'), '0 s');
    assert.equal(formatDuration(400, 'en'), '< 1 s');
    assert.equal(formatDuration(45_000, 'en'), '45 s');
    assert.equal(formatDuration(441_000, 'pt-BR'), '7 min 21 s');
    assert.equal(formatDuration(3_600_000, 'en'), '1 h');
    assert.equal(formatDuration(3_900_000, 'en'), '1 h 05 min');
    assert.equal(formatDuration(50 * 3_600_000, 'en'), '2 d 2 h');
    assert.equal(formatDuration(-1, 'pt-BR'), 'não informado');
    assert.equal(formatBytes(183_400_000, 'pt-BR'), '183,4 MB');
    assert.equal(formatBytes(999, 'en'), '999 B');
    assert.equal(formatBytes(1_500_000_000_000, 'en'), '1.5 TB');
    assert.equal(formatPercent(0.9996, 'pt-BR'), '99,9%', 'never rounded up to 100%');
    assert.equal(formatPercent(1, 'en'), '100%');
    assert.equal(formatPercent(null, 'en'), 'unknown');
  });
});

describe('WinAnsi text for the built-in fonts', () => {
  it('keeps Portuguese and typographic punctuation, approximates or replaces the rest', () => {
    assert.ok(isWinAnsiText('Recuperação São João – “ok” • … € nº'));
    assert.equal(toWinAnsi('Recuperação → ≥ ✓'), 'Recuperação -> >= OK');
    assert.equal(toWinAnsi('Łódź'), '?ódz');
    assert.equal(toWinAnsi('Клиника'), '???????');
  });
});

describe('PDF rendering', { skip: POPPLER_SKIP }, () => {
  it('opens in a viewer, shows accents, repeats the table header after a page break and numbers pages', async () => {
    const dir = await tempDir();
    const pdf = await renderPdf(doc([{ kind: 'heading', level: 2, text: 'Seção com acentuação' }, longTable(90)]), { fonts: 'standard' });
    const info = pdfInfo(dir, pdf);
    const pages = Number(info['Pages']);
    assert.ok(pages >= 2, `expected a table of 90 rows to need 2+ pages, got ${pages}`);
    assert.equal(info['Title'], 'Relatório de exceção – ação');
    const text = pdfText(dir, pdf);
    assert.ok(text.includes('Relatório de exceção – ação'));
    assert.ok(text.includes('Clínica São José'));
    assert.ok(text.includes('Seção com acentuação'));
    for (let i = 1; i <= 90; i++) assert.ok(text.includes(`Linha ${i}\n`) || text.includes(`Linha ${i} `), `row ${i}`);
    assert.equal((text.match(/Tipo de recurso/g) ?? []).length, pages, 'header on every page');
    for (let p = 1; p <= pages; p++) assert.ok(text.includes(`Página ${p} de ${pages}`), `footer of page ${p}`);
    assert.equal((text.match(/Rodapé da clínica/g) ?? []).length, pages);
    assert.match(pdfFonts(dir, pdf), /Helvetica/);
  });

  it('a heading is never left alone at the bottom of a page', async () => {
    const dir = await tempDir();
    const filler: Block[] = Array.from({ length: 38 }, (_, i) => ({ kind: 'paragraph', text: `Parágrafo ${i + 1}` }));
    const pdf = await renderPdf(doc([...filler, { kind: 'heading', level: 2, text: 'Título final' }, longTable(5)]), { fonts: 'standard' });
    const pages = Number(pdfInfo(dir, pdf)['Pages']);
    const last = pdfText(dir, pdf, { firstPage: pages, lastPage: pages });
    assert.ok(last.includes('Título final'), 'the heading moves to the page of its table');
    assert.ok(last.includes('Linha 1'));
  });

  it('embeds a Unicode font for text outside WinAnsi when one is installed, otherwise degrades to "?"', async (t) => {
    const dir = await tempDir();
    const report = doc([{ kind: 'paragraph', text: 'Клиника Здоровье → ok' }]);
    const standard = pdfText(dir, await renderPdf(report, { fonts: 'standard' }));
    assert.ok(standard.includes('??????? ???????? -> ok'), standard);
    const available = UNICODE_FONT_CANDIDATES.find((c) => existsSync(c.regular) && existsSync(c.bold));
    if (!available) return t.skip('no Unicode TrueType font installed (fonts-dejavu-core)');
    const pdf = await renderPdf(report);
    assert.ok(pdfText(dir, pdf).includes('Клиника Здоровье → ok'));
    assert.match(pdfFonts(dir, pdf), /TrueType|CID/);
  });
});
