/**
 * What each command accepts: its options, the options that cannot go together, and the ones that only make sense
 * with another. The parser (options.ts) refuses anything else with a usage error (exit 2) in the user's language,
 * and `clinic-backup <command> --help` is generated from here, so the help and the checks never disagree.
 */

/** Every option the command line knows (node:util parseArgs form). */
export const OPTIONS = {
  repo: { type: 'string' },
  'password-file': { type: 'string' },
  json: { type: 'boolean' },
  lang: { type: 'string' },
  target: { type: 'string' },
  type: { type: 'string', multiple: true },
  patient: { type: 'string' },
  yes: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  'read-data': { type: 'boolean' },
  'read-data-subset': { type: 'string' },
  keychain: { type: 'boolean' },
  'no-keychain': { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  recovery: { type: 'boolean' },
  name: { type: 'string' },
  tag: { type: 'string', multiple: true },
  patients: { type: 'string' },
  keep: { type: 'boolean' },
  source: { type: 'string' },
  auth: { type: 'string' },
  'token-file': { type: 'string' },
  username: { type: 'string' },
  'basic-password-file': { type: 'string' },
  'smart-client-id': { type: 'string' },
  'smart-key-file': { type: 'string' },
  'smart-key-id': { type: 'string' },
  'token-url': { type: 'string' },
  strategy: { type: 'string' },
  full: { type: 'boolean' },
  'allow-origin': { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  'export-stuck-minutes': { type: 'string' },
  'include-admin': { type: 'boolean' },
  'allow-fallback': { type: 'boolean' },
  'allow-empty': { type: 'boolean' },
  port: { type: 'string' },
  'target-url': { type: 'string' },
  nagios: { type: 'boolean' },
  repair: { type: 'boolean' },
  copy: { type: 'string', multiple: true },
  bucket: { type: 'string' },
  endpoint: { type: 'string' },
  prefix: { type: 'string' },
  region: { type: 'string' },
  'access-key-id': { type: 'string' },
  immutable: { type: 'boolean' },
  'rotate-days': { type: 'string' },
  'limit-upload': { type: 'string' },
  'limit-download': { type: 'string' },
  pdf: { type: 'string' },
  html: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'keep-last': { type: 'string' },
  'keep-hourly': { type: 'string' },
  'keep-daily': { type: 'string' },
  'keep-weekly': { type: 'string' },
  'keep-monthly': { type: 'string' },
  'keep-yearly': { type: 'string' },
  'keep-within': { type: 'string' },
  'legal-floor-years': { type: 'string' },
  prune: { type: 'boolean' },
  every: { type: 'string' },
  daily: { type: 'string' },
  from: { type: 'string', multiple: true },
  to: { type: 'string' },
  'residency-ack': { type: 'boolean' },
  'recovery-key-file': { type: 'string' },
  'recovery-key': { type: 'boolean' },
  'from-file': { type: 'string' },
  'token-secret': { type: 'string' },
  'basic-password-secret': { type: 'string' },
  'smart-key-secret': { type: 'string' },
  word: { type: 'string', multiple: true },
  'secrets-dir': { type: 'string' },
  snapshot: { type: 'string' },
  'as-of': { type: 'string' },
  plan: { type: 'boolean' },
  verify: { type: 'string' },
  'include-shared': { type: 'boolean' },
  seed: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;

/** The positional snapshot of restore and ls, for conflict rules ("restore abcd --snapshot efgh"). */
export const SNAPSHOT_ARG = '<snapshot>';
/** The positional input of backup (a folder or file). */
export const INPUT_ARG = '<input>';
type Operand = OptionName | typeof SNAPSHOT_ARG | typeof INPUT_ARG;

export interface CommandSpec {
  /** Options of this command (the general ones are always accepted). */
  readonly options: readonly OptionName[];
  /** Pairs that cannot be given together. */
  readonly conflicts?: readonly (readonly [Operand, Operand])[];
  /** An option that means nothing without one of the others. */
  readonly requires?: readonly (readonly [OptionName, readonly Operand[]])[];
  /** Opens no repository (the general repository options do not apply). */
  readonly noRepository?: boolean;
}

/** Accepted by every command. */
export const GENERAL_OPTIONS: readonly OptionName[] = ['json', 'lang', 'help'];
/** Accepted by every command that opens a repository. */
export const REPOSITORY_OPTIONS: readonly OptionName[] = ['repo', 'password-file', 'secrets-dir'];
/** Copies, and limits for S3 ones. */
const COPIES: readonly OptionName[] = ['copy', 'limit-upload', 'limit-download', 'residency-ack'];
const SOURCE_AUTH: readonly OptionName[] = ['auth', 'token-file', 'token-secret', 'username', 'basic-password-file', 'basic-password-secret', 'smart-client-id', 'smart-key-file', 'smart-key-secret', 'smart-key-id', 'token-url'];
const KEEP: readonly OptionName[] = ['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly', 'keep-within', 'legal-floor-years'];

export const COMMANDS: Readonly<Record<string, CommandSpec>> = {
  init: { options: ['keychain', 'no-keychain', ...COPIES], conflicts: [['keychain', 'no-keychain']] },
  backup: {
    options: ['source', ...SOURCE_AUTH, 'strategy', 'full', 'type', 'allow-origin', 'scope', 'export-stuck-minutes', 'tag', 'allow-empty', ...COPIES],
    conflicts: [[INPUT_ARG, 'source']],
    requires: [...SOURCE_AUTH, 'strategy', 'full', 'type', 'allow-origin', 'scope', 'export-stuck-minutes'].map((o) => [o as OptionName, ['source']] as const),
  },
  snapshots: { options: [] },
  check: {
    options: ['read-data', 'read-data-subset', 'repair', 'from', ...COPIES],
    conflicts: [
      ['read-data', 'read-data-subset'],
      ['repair', 'read-data-subset'],
    ],
    requires: [['from', ['repair']]],
  },
  restore: {
    options: ['snapshot', 'as-of', 'type', 'patient', 'include-shared', 'include-admin', 'target', 'target-url', 'plan', 'yes', 'overwrite', 'verify', ...SOURCE_AUTH],
    conflicts: [
      ['target', 'target-url'],
      ['plan', 'yes'],
      [SNAPSHOT_ARG, 'snapshot'],
      [SNAPSHOT_ARG, 'as-of'],
      ['snapshot', 'as-of'],
      ['overwrite', 'target-url'],
      ['verify', 'target'],
      ['verify', 'plan'],
    ],
    requires: [['include-shared', ['patient']], ['include-admin', ['target-url']], ...SOURCE_AUTH.map((o) => [o, ['target-url']] as const)],
  },
  repair: { options: [] },
  ls: { options: ['type', 'patient', 'as-of'], conflicts: [[SNAPSHOT_ARG, 'as-of']] },
  dump: { options: [] },
  cat: { options: [] },
  stats: { options: [] },
  key: {
    options: ['keychain', 'passphrase-file', 'recovery', 'name', 'yes'],
    conflicts: [
      ['keychain', 'passphrase-file'],
      ['keychain', 'recovery'],
      ['passphrase-file', 'recovery'],
    ],
  },
  'recovery-kit': { options: ['pdf', 'html', 'word', 'yes'] },
  connect: { options: ['recovery-key-file', 'recovery-key', 'keychain', 'no-keychain'], conflicts: [['keychain', 'no-keychain']] },
  secrets: { options: ['from-file'] },
  replicate: { options: ['to', 'from', 'limit-upload', 'limit-download', 'residency-ack'] },
  destinations: { options: ['copy', 'bucket', 'endpoint', 'prefix', 'region', 'access-key-id', 'from-file', 'immutable', 'rotate-days', 'residency-ack'] },
  forget: { options: ['dry-run', ...KEEP, 'prune'], conflicts: [['dry-run', 'prune']] },
  prune: { options: ['dry-run'] },
  schedule: { options: ['every', 'daily'], conflicts: [['every', 'daily']] },
  'run-scheduler': { options: [...COPIES] },
  drill: { options: ['snapshot', 'target-url', 'allow-fallback', ...COPIES] },
  report: { options: ['pdf', 'html', ...COPIES] },
  doctor: { options: [...COPIES] },
  alerts: { options: [] },
  settings: { options: ['from-file'] },
  status: { options: ['nagios', ...COPIES], conflicts: [['json', 'nagios']] },
  catalog: { options: [] },
  sandbox: { options: ['port', 'patients', 'seed'], noRepository: true },
  demo: { options: ['patients', 'keep'], noRepository: true },
  serve: { options: ['port'] },
};

/** Options a command accepts, general ones included. */
export function allowedOptions(command: string): OptionName[] {
  const spec = COMMANDS[command];
  if (!spec) return [...GENERAL_OPTIONS];
  return [...GENERAL_OPTIONS, ...(spec.noRepository ? [] : REPOSITORY_OPTIONS), ...spec.options];
}
