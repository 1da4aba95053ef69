/**
 * Constants that the engine's modules and the façade share: defined here so that showing or defaulting one does not
 * load the module that uses it (the façade shows the version without compiling the archiver).
 */

/** The program's version, written into every snapshot's manifest (the archiver) and shown by the front ends. */
export const TOOL_VERSION = '0.2.0';

/** A full backup holding fewer resources than its parent by more than this percentage is held back as suspicious. */
export const DEFAULT_SHRINK_GUARD_PERCENT = 30;
