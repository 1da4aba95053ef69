/**
 * glibc's malloc arenas in the desktop app (docs/benchmarks.md, peak RSS): the Electron main process hosts the
 * engine, whose backups run in the host thread and worker threads; glibc gives each thread its own arena and keeps
 * what is freed in each, so the process grows by tens of megabytes more than with two arenas. glibc reads
 * MALLOC_ARENA_MAX only when a process starts, so on Linux the app starts itself again, once, with it set: this
 * holds however it was started (the menu's .desktop entry, the AppImage, a terminal, the session's autostart),
 * which an Exec line in the package's .desktop file would not. A value already set (by the user) is kept.
 */
export const ARENA_MAX = '2';
/**
 * The same start also gives V8 a 4 MB young generation, as the CLI's launcher does for its long-running commands
 * (bin/launch.js relaunchNodeOptions; docs/benchmarks.md, FHIR over HTTP: 40–60 MB less at the same CPU). The main
 * process takes V8 options only on its command line (app.commandLine.appendSwitch reaches the renderers alone). A
 * --js-flags the user gave is kept.
 */
export const HOST_JS_FLAGS = '--js-flags=--max-semi-space-size=4';

/** The part of Electron's app this needs (injected, so it is tested without Electron). */
export interface RelaunchPort {
  relaunch(options: { execPath?: string; args?: string[] }): void;
  exit(code: number): void;
}

/**
 * Starts the app again with MALLOC_ARENA_MAX set (and HOST_JS_FLAGS) and ends this instance, when on Linux the variable is not set yet;
 * returns true then (the caller stops), false when this instance goes on. Sets the variable in `env` (this process's
 * environment, which Electron's relauncher passes on). An AppImage is started again through its own file
 * (APPIMAGE): the executable inside it goes away with the mount when this instance ends.
 */
export function relaunchWithArenaLimit(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, argv: readonly string[], app: RelaunchPort): boolean {
  if (platform !== 'linux' || env['MALLOC_ARENA_MAX'] !== undefined) return false;
  env['MALLOC_ARENA_MAX'] = ARENA_MAX;
  const appImage = env['APPIMAGE'];
  const given = argv.slice(1);
  const args = given.some((a) => a.startsWith('--js-flags')) ? given : [HOST_JS_FLAGS, ...given];
  app.relaunch(appImage ? { execPath: appImage, args } : { args });
  app.exit(0);
  return true;
}
