/**
 * The option table of the command line and the shape of a command's spec. Each command declares in its own file
 * (commands/<name>.ts) which of these options it accepts, the ones that cannot go together and the ones that only
 * make sense with another. The parser (options.ts) refuses anything else with a usage error (exit 2) in the user's
 * language, and `clinic-backup <command> --help` is generated from the same spec, so the help and the checks never
 * disagree.
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
  path: { type: 'string', multiple: true },
  exclude: { type: 'string', multiple: true },
  query: { type: 'string' },
  db: { type: 'string' },
  'db-host': { type: 'string' },
  'db-port': { type: 'string' },
  'db-user': { type: 'string' },
  database: { type: 'string' },
  'db-file': { type: 'string' },
  'db-password-secret': { type: 'string' },
  'db-tool-dir': { type: 'string' },
  'into-database': { type: 'string' },
  'source-name': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

export type OptionName = keyof typeof OPTIONS;

/** The positional snapshot of restore and ls, for conflict rules ("restore abcd --snapshot efgh"). */
export const SNAPSHOT_ARG = '<snapshot>';
/** The positional input of backup (a folder or file). */
export const INPUT_ARG = '<input>';
export type Operand = OptionName | typeof SNAPSHOT_ARG | typeof INPUT_ARG;

export interface CommandSpec {
  /** Options of this command (the general ones are always accepted). */
  readonly options: readonly OptionName[];
  /** Pairs that cannot be given together. */
  readonly conflicts?: readonly (readonly [Operand, Operand])[];
  /** An option that means nothing without one of the others. */
  readonly requires?: readonly (readonly [OptionName, readonly Operand[]])[];
  /** Positionals that take part in conflict rules: [index after the command name (1 = first), operand]. */
  readonly operands?: readonly (readonly [number, typeof SNAPSHOT_ARG | typeof INPUT_ARG])[];
  /** Opens no repository (the general repository options do not apply). */
  readonly noRepository?: boolean;
  /**
   * Ctrl+C cancels the operation through the command's AbortSignal: the engine stops at a safe point, releases its
   * lock, and the command exits 130 saying that the repository is intact. Without it, Ctrl+C ends the process as
   * usual (commands that only read, or finish in a moment).
   */
  readonly cancellable?: boolean;
}

/** Accepted by every command. */
export const GENERAL_OPTIONS: readonly OptionName[] = ['json', 'lang', 'help'];
/** Accepted by every command that opens a repository. */
export const REPOSITORY_OPTIONS: readonly OptionName[] = ['repo', 'password-file', 'secrets-dir'];
/** Copies, and limits for S3 ones. */
export const COPIES: readonly OptionName[] = ['copy', 'limit-upload', 'limit-download', 'residency-ack'];
/** How a FHIR server (backup source or restore target) is signed in to. */
/** How a database source is reached (backup --db, restore --into-database). */
export const DB_OPTIONS: readonly OptionName[] = ['db-host', 'db-port', 'db-user', 'database', 'db-file', 'db-password-secret', 'db-tool-dir'];
export const SOURCE_AUTH: readonly OptionName[] = [
  'auth',
  'token-file',
  'token-secret',
  'username',
  'basic-password-file',
  'basic-password-secret',
  'smart-client-id',
  'smart-key-file',
  'smart-key-secret',
  'smart-key-id',
  'token-url',
];
/** Retention rules of forget. */
export const KEEP: readonly OptionName[] = ['keep-last', 'keep-hourly', 'keep-daily', 'keep-weekly', 'keep-monthly', 'keep-yearly', 'keep-within', 'legal-floor-years'];

/** Options a command accepts, general ones included (only the general ones when there is no such command). */
export function allowedOptions(spec: CommandSpec | null): OptionName[] {
  if (!spec) return [...GENERAL_OPTIONS];
  return [...GENERAL_OPTIONS, ...(spec.noRepository ? [] : REPOSITORY_OPTIONS), ...spec.options];
}
