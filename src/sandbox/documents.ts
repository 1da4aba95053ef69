/**
 * Sandbox seed data of "FHIR in the wild" (issue 14): exam documents and images kept as Binary resources and
 * pointed to by URL (DocumentReference.content.attachment.url, Media.content.url,
 * DiagnosticReport.presentedForm.url), and a Medplum-like server's administration resources (Project,
 * ProjectMembership, ClientApplication with its secret). Deterministic from the seed.
 */
import { createHash } from 'node:crypto';
import { createRng, mixSeed, type Rng } from './prng.js';
import type { ResourceStore } from './store.js';

export interface DocumentSeedOptions {
  /** Patients that get documents (the first ones), default 3. */
  readonly patients?: number;
  /** Approximate bytes of each PDF (default 40 000; above 1 MiB the content spans several chunks). */
  readonly pdfBytes?: number;
  /** How attachment URLs are written: "Binary/x" (default) or absolute on the server's base. */
  readonly urlForm?: 'relative' | 'absolute';
  /** A document on another host (an absolute URL there), e.g. a second loopback server's file. */
  readonly externalUrl?: string;
}

export interface SeededDocument {
  readonly owner: string;
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
}

/** A fake but well-formed small PDF of about `size` bytes (random content after the header). */
export function fakePdf(r: Rng, size: number): Buffer {
  const head = Buffer.from('%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj <</Type /Catalog>> endobj\n', 'latin1');
  const body = Buffer.alloc(Math.max(0, size - head.length - 6));
  for (let i = 0; i < body.length; i += 4) body.writeUInt32LE((r.next() * 4294967296) >>> 0, Math.min(i, body.length - 4));
  return Buffer.concat([head, body, Buffer.from('\n%%EOF')]);
}

function binaryText(id: string, contentType: string, data: Buffer): string {
  return JSON.stringify({ resourceType: 'Binary', id, contentType, data: data.toString('base64') });
}

function attachment(contentType: string, url: string, data: Buffer, title: string): Record<string, unknown> {
  return { contentType, url, size: data.length, hash: createHash('sha1').update(data).digest('base64'), title, creation: '2024-03-05T10:00:00-03:00' };
}

/**
 * Writes Binary resources and the resources pointing to them. Per patient: a PDF report (DocumentReference),
 * an image (Media) and a lab report whose presentedForm is a URL; one more DocumentReference points to the
 * same Binary as another (stored once), and one to a second Binary with the same bytes (deduplicated).
 */
export function seedDocuments(store: ResourceStore, base: string, patientIds: readonly string[], opts: DocumentSeedOptions = {}, seed = 1): SeededDocument[] {
  const r = createRng(mixSeed(seed, 1414));
  const out: SeededDocument[] = [];
  const url = (id: string): string => (opts.urlForm === 'absolute' ? `${base}/Binary/${id}` : `Binary/${id}`);
  const put = (type: string, id: string, body: string): void => void store.write(type, id, body, { method: 'PUT' });
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const chosen = patientIds.slice(0, opts.patients ?? 3);
  chosen.forEach((pid, i) => {
    const pdf = fakePdf(r, (opts.pdfBytes ?? 40_000) + r.int(0, 999));
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), fakePdf(r, 3000 + r.int(0, 500))]);
    const form = Buffer.from(`Laudo de exame ${i + 1}\nPaciente ${pid}\nResultado: dentro da normalidade.\n`, 'utf8');
    put('Binary', `doc-${i}`, binaryText(`doc-${i}`, 'application/pdf', pdf));
    put('Binary', `img-${i}`, binaryText(`img-${i}`, 'image/png', png));
    put('Binary', `form-${i}`, binaryText(`form-${i}`, 'text/plain', form));
    const subject = { reference: `Patient/${pid}` };
    put(
      'DocumentReference',
      `docref-${i}`,
      JSON.stringify({
        resourceType: 'DocumentReference',
        id: `docref-${i}`,
        status: 'current',
        type: { text: 'Laudo' },
        subject,
        date: '2024-03-05T10:00:00-03:00',
        content: [{ attachment: attachment('application/pdf', url(`doc-${i}`), pdf, `laudo-${i}.pdf`) }],
      }),
    );
    put('Media', `media-${i}`, JSON.stringify({ resourceType: 'Media', id: `media-${i}`, status: 'completed', subject, content: attachment('image/png', url(`img-${i}`), png, `raio-x-${i}.png`) }));
    put(
      'DiagnosticReport',
      `report-pdf-${i}`,
      JSON.stringify({
        resourceType: 'DiagnosticReport',
        id: `report-pdf-${i}`,
        status: 'final',
        code: { text: 'Hemograma' },
        subject,
        presentedForm: [attachment('text/plain', url(`form-${i}`), form, 'laudo.txt')],
      }),
    );
    out.push({ owner: `DocumentReference/docref-${i}`, url: url(`doc-${i}`), sha256: sha(pdf), size: pdf.length });
    out.push({ owner: `Media/media-${i}`, url: url(`img-${i}`), sha256: sha(png), size: png.length });
    out.push({ owner: `DiagnosticReport/report-pdf-${i}`, url: url(`form-${i}`), sha256: sha(form), size: form.length });
    if (i === 0) {
      // The same Binary from a second document, and a copy of the same bytes under another Binary.
      put('Binary', 'doc-0-copy', binaryText('doc-0-copy', 'application/pdf', pdf));
      put(
        'DocumentReference',
        'docref-0-again',
        JSON.stringify({
          resourceType: 'DocumentReference',
          id: 'docref-0-again',
          status: 'current',
          subject,
          content: [{ attachment: attachment('application/pdf', url('doc-0'), pdf, 'laudo-0.pdf') }, { attachment: attachment('application/pdf', url('doc-0-copy'), pdf, 'copia.pdf') }],
        }),
      );
      out.push({ owner: 'DocumentReference/docref-0-again', url: url('doc-0'), sha256: sha(pdf), size: pdf.length });
      out.push({ owner: 'DocumentReference/docref-0-again', url: url('doc-0-copy'), sha256: sha(pdf), size: pdf.length });
    }
  });
  if (opts.externalUrl && chosen[0]) {
    put(
      'DocumentReference',
      'docref-external',
      JSON.stringify({
        resourceType: 'DocumentReference',
        id: 'docref-external',
        status: 'current',
        subject: { reference: `Patient/${chosen[0]}` },
        content: [{ attachment: { contentType: 'application/pdf', url: opts.externalUrl, title: 'externo.pdf' } }],
      }),
    );
  }
  return out;
}

/** Administration resources of a Medplum-like server (not patient data; the client secret is a secret). */
export function seedAdministration(store: ResourceStore): void {
  const put = (type: string, id: string, body: Record<string, unknown>): void => void store.write(type, id, JSON.stringify({ resourceType: type, id, ...body }), { method: 'PUT' });
  put('Project', 'clinic-project', { name: 'Clínica Exemplo', owner: { reference: 'User/admin-user' } });
  put('User', 'admin-user', { firstName: 'Ana', lastName: 'Admin', email: 'admin@clinica.example' });
  put('ClientApplication', 'backup-client', { name: 'Backup', secret: 'sandbox-client-secret-not-real' });
  put('ProjectMembership', 'admin-membership', { project: { reference: 'Project/clinic-project' }, user: { reference: 'User/admin-user' }, admin: true });
  put('ProjectMembership', 'client-membership', {
    project: { reference: 'Project/clinic-project' },
    user: { reference: 'ClientApplication/backup-client' },
    profile: { reference: 'ClientApplication/backup-client' },
  });
}
