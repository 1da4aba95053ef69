/**
 * The printable one-page recovery kit: repository id and locations, the recovery key as 8 numbered
 * lines of 4 words (with each word's position), a QR code of the same key (see recoveryQr.ts for
 * the payload), plain instructions to recover on a new computer, where to keep the paper, a warning
 * that whoever holds it can read the backups, and a box to note by hand where and by whom it is kept.
 */
import { encodeRecoveryKey, formatRecoveryKey, parseRecoveryKey, RECOVERY_KEY_LINES, RECOVERY_KEY_WORDS_PER_LINE, type RecoveryKeyLanguage } from '../crypto/index.js';
import type { Locale } from '../i18n/index.js';
import { EngineError } from '../shared/index.js';
import { clinicLabel, locationKind, safeLocation, shortId, translator, type LocationKind } from './common.js';
import type { Block, Fact, ReportDocument } from './document.js';
import { formatDateTime, zoneOrDefault, type DateInput } from './format.js';
import { renderHtml } from './html.js';
import { renderPdf, type PdfOptions } from './pdf.js';
import { qrModules, recoveryQrPayload } from './recoveryQr.js';

export interface RecoveryKitLocation {
  readonly kind?: LocationKind;
  /** Folder path, or s3:… location string. Never credentials (removed if present). */
  readonly location: string;
  /** "NAS da recepção", "Disco USB 1", "Nuvem (Magalu, São Paulo)". */
  readonly label?: string;
}

export interface RecoveryKitData {
  readonly repoId: string;
  readonly clinicName?: string | null;
  /** Where copies of the repository live (all destinations). */
  readonly locations: readonly (string | RecoveryKitLocation)[];
  /** When this recovery key was made. */
  readonly createdAt: DateInput;
  /** The key: its 32 bytes, or the words as the engine returns them (8 lines of 4). */
  readonly recoveryKey: Uint8Array | readonly (readonly string[])[];
  /** Word list for a key given as bytes; default: the kit's locale. Words given as words keep their language. */
  readonly keyLanguage?: RecoveryKeyLanguage;
  /** Id of the recovery key slot (printed so a kit can be matched with `key list`). */
  readonly slotId?: string | null;
  readonly timeZone?: string;
  readonly generatedAt?: DateInput;
  readonly toolVersion?: string;
}

/** Most locations printed on the kit; more are summarised (the DR plan lists them all). */
const MAX_LOCATIONS = 4;

interface ResolvedKey {
  readonly bytes: Uint8Array;
  readonly lines: string[][];
}

/** The key as bytes and words; words are checked (a mistyped key must never be printed). */
export function resolveRecoveryKey(key: RecoveryKitData['recoveryKey'], language: RecoveryKeyLanguage): ResolvedKey {
  if (key instanceof Uint8Array) return { bytes: key, lines: encodeRecoveryKey(key, language) };
  const lines = key.map((l) => [...l]);
  if (lines.length !== RECOVERY_KEY_LINES || lines.some((l) => l.length !== RECOVERY_KEY_WORDS_PER_LINE)) {
    throw new EngineError('INVALID_ARGUMENT', { field: 'recoveryKey', reason: `${RECOVERY_KEY_LINES} lines of ${RECOVERY_KEY_WORDS_PER_LINE} words` });
  }
  return { bytes: parseRecoveryKey(formatRecoveryKey(lines)), lines };
}

interface PrintedLocation {
  readonly kind: LocationKind;
  readonly location: string;
  readonly label?: string;
}

function normaliseLocations(locations: RecoveryKitData['locations']): PrintedLocation[] {
  return locations.map((l) => {
    const item = typeof l === 'string' ? { location: l } : l;
    const location = safeLocation(item.location);
    return { kind: item.kind ?? locationKind(location), location, ...(item.label ? { label: item.label } : {}) };
  });
}

/** The document both renderers print. */
export function recoveryKitDocument(data: RecoveryKitData, locale: Locale): ReportDocument {
  const tr = translator(locale);
  const tz = zoneOrDefault(data.timeZone);
  const key = resolveRecoveryKey(data.recoveryKey, data.keyLanguage ?? locale);
  const payload = recoveryQrPayload(data.repoId, key.bytes);
  const locations = normaliseLocations(data.locations);
  const shown = locations.slice(0, MAX_LOCATIONS);
  const hidden = locations.length - shown.length;
  const firstLocation = locations[0]?.location ?? tr('reports.kit.locationPlaceholder');

  // The clinic is named; the repository and key ids are only a code for support, in the footer.
  const clinic = clinicLabel(data.clinicName, tr);
  const facts: Fact[] = [
    { label: tr('reports.kit.clinic'), value: clinic },
    { label: tr('reports.kit.created'), value: formatDateTime(data.createdAt, locale, tz) },
    { label: tr('reports.kit.supportCode'), value: data.slotId ? `${shortId(data.repoId)}/${shortId(data.slotId)}` : shortId(data.repoId), mono: true },
  ];
  const where: Fact[] = shown.map((l): Fact => ({ label: l.label ?? tr(`reports.kind.${l.kind}`), value: l.location, mono: true }));
  if (locations.length === 0) where.push({ label: tr('reports.kit.locations'), value: tr('reports.kit.noLocations'), tone: 'warning' });
  if (hidden > 0) where.push({ label: '…', value: tr('reports.kit.moreLocations', { count: hidden }) });

  const blocks: Block[] = [
    { kind: 'callout', tone: 'danger', title: tr('reports.kit.warningTitle'), lines: [tr('reports.kit.warningText')] },
    {
      kind: 'split',
      rightWidth: 150,
      left: [
        { kind: 'facts', rows: facts },
        { kind: 'heading', level: 3, text: tr('reports.kit.locations') },
        { kind: 'facts', rows: where },
      ],
      right: [{ kind: 'qr', modules: qrModules(payload), size: 138, caption: tr('reports.kit.qrCaption'), label: tr('reports.kit.qrLabel') }],
    },
    { kind: 'heading', level: 2, text: tr('reports.kit.keyHeading', { words: key.lines.flat().length, lines: key.lines.length }) },
    { kind: 'paragraph', text: tr('reports.kit.keyHint'), small: true },
    { kind: 'keyGrid', lineLabels: key.lines.map((_, i) => tr('reports.kit.line', { n: i + 1 })), lines: key.lines },
    { kind: 'heading', level: 2, text: tr('reports.kit.howHeading') },
    {
      kind: 'list',
      ordered: true,
      items: [tr('reports.kit.step1'), tr('reports.kit.step2'), tr('reports.kit.step3'), tr('reports.kit.step4', { words: key.lines.flat().length }), tr('reports.kit.step5'), tr('reports.kit.step6')],
    },
    { kind: 'list', items: [{ text: tr('reports.kit.command'), command: `clinic-backup connect --repo ${firstLocation}` }] },
    { kind: 'heading', level: 2, text: tr('reports.kit.storeHeading') },
    { kind: 'list', items: [tr('reports.kit.store1'), tr('reports.kit.store2'), tr('reports.kit.store3')] },
    { kind: 'writeIn', title: tr('reports.kit.writeInTitle'), fields: [tr('reports.kit.writeInWhere'), tr('reports.kit.writeInWho')] },
  ];

  const generated = formatDateTime(data.generatedAt ?? new Date(), locale, tz);
  return {
    locale,
    title: tr('reports.kit.title', { clinic }),
    subtitle: tr('reports.kit.subtitle', { clinic }),
    meta: [],
    blocks,
    footer: tr('reports.kit.footer', { version: data.toolVersion ?? '', clinic, generated, zone: tz }),
    pageLabel: tr('reports.common.pageLabel'),
    singlePage: true,
    pdfInfo: { subject: tr('reports.kit.title', { clinic }), keywords: 'Clinic Backup recovery kit' },
  };
}

export function recoveryKitHtml(data: RecoveryKitData, locale: Locale): string {
  return renderHtml(recoveryKitDocument(data, locale));
}

export function recoveryKitPdf(data: RecoveryKitData, locale: Locale, options: PdfOptions = {}): Promise<Buffer> {
  return renderPdf(recoveryKitDocument(data, locale), { ...options, ...(data.generatedAt ? { creationDate: new Date(data.generatedAt) } : {}) });
}
