/** The database client programs the dump sources run, where to find them, and which package provides them. */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../../shared/index.js';

export type ToolName = 'pg_dump' | 'pg_restore' | 'psql' | 'createdb' | 'dropdb' | 'mysqldump' | 'gbak';

export interface ToolInfo {
  readonly name: ToolName;
  /** Executable names to look for, in order of preference. */
  readonly executables: readonly string[];
  readonly debianPackage: string;
  readonly windowsPackage: string;
}

const POSTGRES_WINDOWS = 'the PostgreSQL installer (EDB) "Command Line Tools", same or newer major version as the server';

export const TOOLS: Readonly<Record<ToolName, ToolInfo>> = {
  pg_dump: { name: 'pg_dump', executables: ['pg_dump'], debianPackage: 'postgresql-client', windowsPackage: POSTGRES_WINDOWS },
  pg_restore: { name: 'pg_restore', executables: ['pg_restore'], debianPackage: 'postgresql-client', windowsPackage: POSTGRES_WINDOWS },
  psql: { name: 'psql', executables: ['psql'], debianPackage: 'postgresql-client', windowsPackage: POSTGRES_WINDOWS },
  createdb: { name: 'createdb', executables: ['createdb'], debianPackage: 'postgresql-client', windowsPackage: POSTGRES_WINDOWS },
  dropdb: { name: 'dropdb', executables: ['dropdb'], debianPackage: 'postgresql-client', windowsPackage: POSTGRES_WINDOWS },
  mysqldump: {
    name: 'mysqldump',
    executables: ['mariadb-dump', 'mysqldump'],
    debianPackage: 'mariadb-client',
    windowsPackage: 'MariaDB or MySQL Server (mysqldump.exe in its bin folder)',
  },
  gbak: {
    name: 'gbak',
    executables: ['gbak'],
    debianPackage: 'firebird3.0-utils',
    windowsPackage: 'Firebird (gbak.exe in its installation folder), the server version or newer',
  },
};

/** Folders where installers put these programs outside PATH, newest version first. */
function wellKnownDirs(platform: NodeJS.Platform): string[] {
  const versioned = (parent: string, prefix: string, tail: string[] = []): string[] => {
    if (!existsSync(parent)) return [];
    return readdirSync(parent)
      .filter((n) => n.toLowerCase().startsWith(prefix.toLowerCase()))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }))
      .map((n) => path.join(parent, n, ...tail));
  };
  if (platform === 'win32') {
    const pf = process.env['ProgramFiles'] ?? 'C:\\Program Files';
    return [
      ...versioned(path.join(pf, 'PostgreSQL'), '', ['bin']),
      ...versioned(path.join(pf, 'MySQL'), 'MySQL Server', ['bin']),
      ...versioned(pf, 'MariaDB', ['bin']),
      ...versioned(path.join(pf, 'Firebird'), 'Firebird'),
    ];
  }
  return [...versioned('/usr/lib/postgresql', '', ['bin']), '/opt/firebird/bin', '/usr/local/firebird/bin'];
}

/**
 * The executable to run for `tool`: in `toolDir` when the source names one (the clinic's own install), else on
 * PATH, else in the installers' usual folders. Missing: DUMP_TOOL_MISSING naming the package to install.
 */
export function findTool(tool: ToolName, toolDir?: string, platform: NodeJS.Platform = process.platform): string {
  const info = TOOLS[tool];
  const exts = platform === 'win32' ? ['.exe', ''] : [''];
  const pathDirs = (process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d.length > 0);
  const dirs = toolDir !== undefined ? [toolDir] : [...pathDirs, ...wellKnownDirs(platform)];
  for (const exe of info.executables) {
    for (const dir of dirs) {
      for (const ext of exts) {
        const candidate = path.join(dir, exe + ext);
        if (existsSync(candidate)) return candidate;
      }
    }
  }
  throw missingTool(tool);
}

export function missingTool(tool: ToolName): EngineError {
  const info = TOOLS[tool];
  return new EngineError('DUMP_TOOL_MISSING', { tool: info.name, debianPackage: info.debianPackage, windowsPackage: info.windowsPackage });
}
