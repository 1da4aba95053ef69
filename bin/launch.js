// Starts clinic-backup from a code tree: the compiled JavaScript in dist/ (bin/clinic-backup.js, what ships) or the
// TypeScript sources (scripts/clinic-backup-dev.mjs, for development and most tests). Both behave the same.
import { existsSync } from 'node:fs';
import module from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The command line's front end: `serve` is the local web mode, everything else the command-line front end. */
function entryFor(args) {
  return args[0] === 'serve' ? { file: 'serve/cli', argv: args.slice(1) } : { file: 'cli/main', argv: args };
}

/** Said when dist/ was never built: the i18n catalogue is part of what is missing, so the sentence lives here. */
function notBuilt(root) {
  const lang = [process.env.CLINIC_BACKUP_LANG, process.env.LC_ALL, process.env.LANG].find(Boolean) ?? '';
  return lang.toLowerCase().startsWith('en')
    ? `clinic-backup is not built yet: run "npm run build" in ${root} (npm run demo and npm test build it too).`
    : `O clinic-backup ainda não foi compilado: rode "npm run build" em ${root} (npm run demo e npm test também compilam).`;
}

/** The package's root folder (bin/ is in it). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Runs the command line with the code under `codeDir` (dist/src or src, relative to the root), whose files end in
 * `ext`. Sets process.exitCode to the command's exit code.
 */
export async function launch(codeDir, ext) {
  // Node.js 22 keeps the compiled code of loaded modules on disk (a cache in the temp folder, checked against each
  // file's contents): every start after the first skips most of the parsing. Older Node.js has no such cache.
  if (ext === '.js' && typeof module.enableCompileCache === 'function') module.enableCompileCache();
  // A closed pipe (e.g. `clinic-backup snapshots | head`) ends the output quietly, not with a crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  // Warnings of third-party libraries (deprecations, version notices) are not for the clinic: they are dropped, or
  // shown on standard error with CLINIC_BACKUP_DEBUG=1. The product's own problems are errors with codes.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (process.env.CLINIC_BACKUP_DEBUG) process.stderr.write(`[debug] ${warning.name}: ${warning.message}\n`);
  });
  const { file, argv } = entryFor(process.argv.slice(2));
  const entry = path.join(ROOT, codeDir, `${file}${ext}`);
  if (!existsSync(entry)) {
    process.stderr.write(notBuilt(ROOT) + '\n');
    process.exitCode = 1;
    return;
  }
  const { main } = await import(pathToFileURL(entry).href);
  process.exitCode = await main(argv);
}
