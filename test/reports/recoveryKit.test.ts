import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { encodeRecoveryKey, formatRecoveryKey, parseRecoveryKey } from '../../src/crypto/recoveryKey.js';
import { newRecoveryKey } from '../../src/repository/keys.js';
import { isEngineError } from '../../src/shared/errors.js';
import { recoveryKitDocument, recoveryKitHtml, recoveryKitPdf } from '../../src/reports/recoveryKit.js';
import { base32Decode, base32Encode, parseRecoveryQrPayload, qrModules, recoveryQrPayload, RECOVERY_QR_PREFIX } from '../../src/reports/recoveryQr.js';
import { tempDir } from '../support/tmp.js';
import { fixedRecoveryKey, kitData, REPO_ID } from './fixtures.js';
import { checkHtml, htmlText, pdfInfo, pdfText, POPPLER_SKIP, renderPageGray } from './helpers.js';
import { decodeQr, sampleQr } from './qrDecode.js';

const flat = (s: string): string => s.replace(/\s+/g, ' ');

/** Key rows of the printed grid: "Linha 3   9 crew  10 sentence …" → { line: 3, positions, words }. */
function keyRows(layoutText: string): { line: number; positions: number[]; words: string[] }[] {
  const rows: { line: number; positions: number[]; words: string[] }[] = [];
  for (const l of layoutText.split('\n')) {
    const m = /^\s*(?:Linha|Line) (\d+)\s+(.*)$/.exec(l);
    if (!m) continue;
    const pairs = [...m[2]!.matchAll(/(\d+)\s+([a-z]+)/g)];
    rows.push({ line: Number(m[1]), positions: pairs.map((p) => Number(p[1])), words: pairs.map((p) => p[2]!) });
  }
  return rows;
}

/** The QR matrix drawn by the HTML's inline SVG (squares "M x y h1v1h-1z" inside a 4-module quiet zone). */
function svgMatrix(html: string): boolean[][] {
  const svg = /<svg[^>]*viewBox="0 0 (\d+) \1"[\s\S]*?<path fill="#000000" d="([^"]*)"/.exec(html);
  assert.ok(svg, 'inline SVG QR code');
  const size = Number(svg[1]) - 8;
  const grid = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  for (const m of svg[2]!.matchAll(/M(\d+) (\d+)h1v1h-1z/g)) grid[Number(m[2]) - 4]![Number(m[1]) - 4] = true;
  return grid;
}

describe('recovery kit QR payload', () => {
  it('base32 round-trips any length and rejects foreign characters', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = randomBytes(n);
      const text = base32Encode(bytes);
      assert.match(text, /^[A-Z2-7]*$/);
      assert.deepEqual(Buffer.from(base32Decode(text.toLowerCase()) ?? []), bytes);
    }
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI'); // RFC 4648 test vector
    assert.equal(base32Decode('MZXW6YTB0I'), null); // "0" is not base32
  });

  it('carries the repository id and the key, upper case (QR alphanumeric mode), and reads back', () => {
    const key = newRecoveryKey(REPO_ID);
    const payload = recoveryQrPayload(REPO_ID, key);
    assert.ok(payload.startsWith(RECOVERY_QR_PREFIX));
    assert.match(payload, /^[0-9A-Z:-]+$/);
    assert.equal(payload.length, RECOVERY_QR_PREFIX.length + 32 + 1 + 52);
    const back = parseRecoveryQrPayload(`  ${payload.toLowerCase()}\n`);
    assert.equal(back.repoId, REPO_ID);
    assert.deepEqual(Buffer.from(back.recoveryKey), key);
    // the printed words and the QR are the same key
    assert.deepEqual(Buffer.from(parseRecoveryKey(formatRecoveryKey(encodeRecoveryKey(back.recoveryKey, 'pt-BR')))), key);
  });

  it('refuses other codes and a key of another repository', () => {
    const key = newRecoveryKey(REPO_ID);
    const other = 'aa' + REPO_ID.slice(2);
    assert.throws(
      () => parseRecoveryQrPayload(`${RECOVERY_QR_PREFIX}${other.toUpperCase()}:${base32Encode(key)}`),
      (e) => isEngineError(e, 'RECOVERY_KEY_OTHER_REPO'),
    );
    assert.throws(
      () => parseRecoveryQrPayload('https://example.com'),
      (e) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => parseRecoveryQrPayload(`${RECOVERY_QR_PREFIX}${REPO_ID}:ABC`),
      (e) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => recoveryQrPayload('not-hex', key),
      (e) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => recoveryQrPayload(REPO_ID, key.subarray(1)),
      (e) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
    assert.throws(
      () => recoveryQrPayload(other, key),
      (e) => isEngineError(e, 'RECOVERY_KEY_OTHER_REPO'),
      'never print a key with another repository',
    );
    assert.throws(
      () => recoveryKitDocument(kitData({ repoId: other }), 'pt-BR'),
      (e) => isEngineError(e, 'RECOVERY_KEY_OTHER_REPO'),
    );
  });

  it('the symbol is a version 7 code at level Q that an independent reader decodes', () => {
    const payload = recoveryQrPayload(REPO_ID, fixedRecoveryKey());
    const decoded = decodeQr(qrModules(payload));
    assert.deepEqual(decoded, { text: payload, version: 7, ecl: 'Q' });
  });
});

describe('recovery kit document', () => {
  it('accepts the key as bytes or as the words the engine returns, and checks typed words', () => {
    const key = fixedRecoveryKey();
    const words = encodeRecoveryKey(key, 'pt-BR');
    const fromWords = recoveryKitDocument(kitData({ recoveryKey: words }), 'en');
    const grid = fromWords.blocks.find((b) => b.kind === 'keyGrid');
    assert.ok(grid && grid.kind === 'keyGrid');
    assert.deepEqual(grid.lines, words, 'words keep their language in an English kit');
    const fromBytes = recoveryKitDocument(kitData(), 'en');
    const grid2 = fromBytes.blocks.find((b) => b.kind === 'keyGrid');
    assert.ok(grid2 && grid2.kind === 'keyGrid');
    assert.deepEqual(grid2.lines, encodeRecoveryKey(key, 'en'), 'bytes are written in the kit language');
    const typo = words.map((l) => [...l]);
    typo[2]![1] = typo[2]![0]!;
    assert.throws(
      () => recoveryKitDocument(kitData({ recoveryKey: typo }), 'pt-BR'),
      (e) => isEngineError(e, 'RECOVERY_KEY_CHECKSUM'),
    );
    assert.throws(
      () => recoveryKitDocument(kitData({ recoveryKey: words.slice(1) }), 'pt-BR'),
      (e) => isEngineError(e, 'INVALID_ARGUMENT'),
    );
  });
});

describe('recovery kit PDF', { skip: POPPLER_SKIP }, () => {
  for (const locale of ['pt-BR', 'en'] as const) {
    it(`${locale}: one page with the repository, every word in its line, the instructions and the warning`, async () => {
      const dir = await tempDir();
      const pdf = await recoveryKitPdf(kitData(), locale);
      const info = pdfInfo(dir, pdf);
      assert.equal(info['Pages'], '1');
      assert.match(info['Page size'] ?? '', /595\.\d+ x 841\.\d+/, 'A4');
      const layout = pdfText(dir, pdf, { layout: true });
      const text = flat(pdfText(dir, pdf));

      assert.ok(!text.includes(REPO_ID), 'the clinic is named, not the repository id');
      assert.ok(text.includes(`${REPO_ID.slice(0, 8)}/9a1b2c3d`), 'a short code for support');
      const lines = encodeRecoveryKey(fixedRecoveryKey(), locale);
      const rows = keyRows(layout);
      assert.deepEqual(
        rows.map((r) => r.line),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      rows.forEach((r, i) => {
        assert.deepEqual(r.words, lines[i], `line ${i + 1}`);
        assert.deepEqual(
          r.positions,
          [1, 2, 3, 4].map((p) => i * 4 + p),
          `positions of line ${i + 1}`,
        );
      });
      assert.ok(flat(layout).includes('clinic-backup connect --repo /mnt/nas-recepcao/clinic-backup'));
      assert.ok(text.replace(/\/ /g, '/').includes('s3:https://br-se1.magaluobjects.com/clinica-sao-lucas/backup'), 'S3 location, wrapped only after a slash');
      if (locale === 'pt-BR') {
        for (const s of [
          'Kit de recuperação – Clínica São Lucas – Cardiologia',
          'O que é: a chave dos backups da Clínica São Lucas – Cardiologia.',
          'CONFIDENCIAL: quem tiver este papel consegue ler todos os backups.',
          'Onde guardar',
          'Como usar este papel num computador novo, passo a passo',
          '1. Instale o Clinic Backup no computador novo',
          '2. Ligue o disco USB ou conecte o computador à rede onde estão os backups',
          '3. Abra o programa e clique em "Conectar a uma cópia existente". Escolha a pasta dos backups.',
          '4. Digite as 32 palavras deste papel, linha por linha.',
          '5. Pronto: os backups aparecem. Em "Restaurar", escolha o ponto mais recente',
          'kit de recuperação da Clínica São Lucas – Cardiologia',
          'Nunca junto do computador',
          'Kit guardado em (local e data):',
          'por (nome e assinatura):',
          '01/03/2026 09:05',
          'NAS da recepção /mnt/nas-recepcao/clinic-backup',
          'Página 1 de 1',
        ])
          assert.ok(text.includes(s), `missing "${s}"`);
      } else {
        for (const s of [
          'Recovery kit – Clínica São Lucas – Cardiologia',
          'CONFIDENTIAL: whoever holds this sheet can read all the backups.',
          '1. Install Clinic Backup on the new computer',
          '3. Open the program and click "Connect to an existing copy".',
          '4. Type the 32 words of this sheet, line by line.',
          'Never next to the computer',
          'Kit stored on (place and date):',
          'by (name and signature):',
          '2026-03-01 09:05',
          'Page 1 of 1',
        ])
          assert.ok(text.includes(s), `missing "${s}"`);
      }
    });
  }

  it('the printed QR code, scanned from the rendered page, gives back the key and the repository', async () => {
    const dir = await tempDir();
    const key = newRecoveryKey(REPO_ID);
    const pdf = await recoveryKitPdf(kitData({ recoveryKey: encodeRecoveryKey(key, 'pt-BR') }), 'pt-BR');
    const grid = sampleQr(renderPageGray(dir, pdf, 300));
    const payload = recoveryQrPayload(REPO_ID, key);
    assert.deepEqual(grid, qrModules(payload), 'the drawn modules are the symbol of the payload');
    const scanned = parseRecoveryQrPayload(decodeQr(grid).text);
    assert.equal(scanned.repoId, REPO_ID);
    assert.deepEqual(Buffer.from(scanned.recoveryKey), key);
  });

  it('stays on one page with many long locations, and never prints credentials', async () => {
    const dir = await tempDir();
    const long = (n: number): string => `/mnt/nas-recepcao/backups/clinica-sao-lucas-cardiologia-e-clinica-medica/unidade-${n}/clinic-backup`;
    const pdf = await recoveryKitPdf(
      kitData({
        clinicName: 'Clínica São Lucas de Cardiologia, Clínica Médica, Endocrinologia e Medicina do Esporte – Unidade Vila Mariana',
        locations: [long(1), long(2), { location: 's3:https://AKIAEXAMPLE:wJalrXUtnFEMIsecret@s3.example.com.br/bucket/prefix?X-Amz-Signature=abc', label: 'Nuvem' }, long(3), long(4), long(5)],
      }),
      'pt-BR',
    );
    assert.equal(pdfInfo(dir, pdf)['Pages'], '1');
    const text = flat(pdfText(dir, pdf));
    assert.ok(!text.includes('wJalrXUtnFEMIsecret') && !text.includes('AKIAEXAMPLE') && !text.includes('Signature'), 'credentials removed');
    assert.ok(text.includes('e mais 2 (veja o plano de recuperação)'));
    assert.equal(keyRows(pdfText(dir, pdf, { layout: true })).length, 8);
  });
});

describe('recovery kit HTML', () => {
  it('is a well-formed page with the key grid in order and a QR code that decodes to the key', () => {
    const html = recoveryKitHtml(kitData(), 'pt-BR');
    assert.deepEqual(checkHtml(html).problems, []);
    assert.match(html, /<html lang="pt-BR">/);
    const grid = /<table class="key">([\s\S]*?)<\/table>/.exec(html);
    assert.ok(grid);
    const rows = [...grid[1]!.matchAll(/<tr><th scope="row">Linha (\d)<\/th>(.*?)<\/tr>/g)];
    const lines = encodeRecoveryKey(fixedRecoveryKey(), 'pt-BR');
    assert.equal(rows.length, 8);
    rows.forEach((r, i) => {
      const cells = [...r[2]!.matchAll(/<td><span class="n">(\d+)<\/span>([a-z]+)<\/td>/g)];
      assert.deepEqual(
        cells.map((c) => c[2]),
        lines[i],
      );
      assert.deepEqual(
        cells.map((c) => Number(c[1])),
        [1, 2, 3, 4].map((p) => i * 4 + p),
      );
    });
    const payload = recoveryQrPayload(REPO_ID, fixedRecoveryKey());
    assert.equal(decodeQr(svgMatrix(html)).text, payload);
    const text = htmlText(html);
    for (const s of ['CONFIDENCIAL', 'Conectar a uma cópia existente', 'clinic-backup connect --repo /mnt/nas-recepcao/clinic-backup', 'Kit guardado em', 'Clínica São Lucas'])
      assert.ok(text.includes(s), s);
    assert.ok(!text.includes(REPO_ID), 'the clinic is named, not the repository id');
  });

  it('escapes a hostile clinic name and location', () => {
    const html = recoveryKitHtml(kitData({ clinicName: '<script>alert("x")</script> & Cia', locations: ['/mnt/"><img src=x onerror=alert(1)>'] }), 'en');
    assert.deepEqual(checkHtml(html).problems, []);
    assert.ok(!html.includes('<script>alert'));
    assert.ok(!html.includes('<img src=x'));
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cia'));
  });
});
