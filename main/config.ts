/**
 * The desktop app's own settings (not the engine's): which repository folder it works on, start at login
 * (opt-in), pause scheduled backups on battery. One small JSON file in the app's data folder.
 */
import { readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir, writePrivateFile } from '../src/shared/index.js';

export interface DesktopConfig {
  readonly repo: string | null;
  readonly startAtLogin: boolean;
  readonly pauseOnBattery: boolean;
}

export const DEFAULT_DESKTOP_CONFIG: DesktopConfig = { repo: null, startAtLogin: false, pauseOnBattery: true };

export async function loadDesktopConfig(file: string): Promise<DesktopConfig> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (!text) return DEFAULT_DESKTOP_CONFIG;
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    return {
      repo: typeof v['repo'] === 'string' && v['repo'] !== '' ? v['repo'] : null,
      startAtLogin: v['startAtLogin'] === true,
      pauseOnBattery: v['pauseOnBattery'] !== false,
    };
  } catch {
    return DEFAULT_DESKTOP_CONFIG;
  }
}

/** Writes the settings owner-only, in a folder tightened to owner-only (the app's data folder also holds the state and secrets). */
export async function saveDesktopConfig(file: string, config: DesktopConfig): Promise<void> {
  await ensurePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  await writePrivateFile(tmp, JSON.stringify(config, null, 2));
  await rename(tmp, file);
}

/** Applies a patch from the settings screen (already shape-checked by the API contract, src/shared/api.ts). */
export function patchDesktopConfig(config: DesktopConfig, patch: { startAtLogin?: boolean; pauseOnBattery?: boolean; repo?: string }): DesktopConfig {
  return {
    repo: patch.repo ?? config.repo,
    startAtLogin: patch.startAtLogin ?? config.startAtLogin,
    pauseOnBattery: patch.pauseOnBattery ?? config.pauseOnBattery,
  };
}
