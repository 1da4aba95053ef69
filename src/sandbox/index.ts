/** The sandbox module: embedded FHIR R4 server and synthetic data generator. */
export { startSandbox, type SandboxOptions, type SandboxServer, type SandboxStore, type RequestLogEntry } from './server.js';
export { runSandboxCommand, type SandboxCommandOptions } from './cli.js';
export type { FaultController, FaultSettings } from './faults.js';
export type { SandboxAuth, SmartClient } from './auth.js';
export type { DocumentSeedOptions, SeededDocument } from './documents.js';
export { generateResources, writeNdjsonDataset, mutateNdjsonDataset, patientOf, SYNTHETIC_TYPES, type SyntheticOptions, type SyntheticResource, type NdjsonDatasetInfo } from './synthetic.js';
