/**
 * Folder sources: the public surface the archiver, restorer and engine import.
 * - walkFolders / walkFolder: entries of the configured folders in the format's order, problems as values;
 * - readFileStable: a file's content as a stream, re-read once when it changed while read;
 * - isUnchanged: the files cache check against the parent snapshot's entry;
 * - chunkStream / chunkerConfig: content-defined chunks of any stream (files and database dumps);
 * - Windows paths and restore names: pure helpers for drive letters, UNC, long paths and names Windows refuses.
 */
export {
  chunkStream,
  chunkerConfig,
  chunkLengths,
  gearTable,
  validateChunkerParams,
  BoundaryFinder,
  DEFAULT_CHUNKER_PARAMS,
  type ChunkerConfig,
  type ChunkerParams,
  type ChunkStreamOptions,
} from '../../repository/index.js';
export { Excluder, DEFAULT_EXCLUDES, type ExcludeOptions } from './exclude.js';
export { isUnchanged, type ParentFileEntry, type UnchangedOptions } from './filesCache.js';
export { nodeFs, type FsOps } from './fsOps.js';
export {
  compareNames,
  decodeName,
  foldCase,
  formatPath,
  isWindowsDeviceName,
  parseAbsolutePath,
  sourceFolderNames,
  windowsLongPath,
  WINDOWS_MAX_PATH,
  type ParsedPath,
  type PathStyle,
} from './paths.js';
export { readFileStable, READ_BYTES, type ReadOptions, type StableRead } from './reader.js';
export { collisionKey, nameChangeText, planFolderNames, windowsNameIssues, windowsSafeName, type NameChange, type NameIssue, type RestorePlatform, type TargetNameRules } from './restoreNames.js';
export { FILE_PROBLEM_CODES, type EntryType, type FileEntry, type FileProblemCode, type SourceProblem, type WalkEvent } from './types.js';
export { walkFolder, walkFolders, type FolderRoot, type FolderSpec, type WalkOptions } from './walker.js';
