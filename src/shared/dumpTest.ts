/** The setup's "test the dump" of a database source: its answer, part of the API contract (contract.ts re-exports it). */
import type { ErrorInfo } from './errors.js';

/** Why a database dump (or its test) failed, in one word the setup explains in plain words. */
export type DatabaseDumpFailureCause = 'tool-missing' | 'password-missing' | 'authentication' | 'database-not-found' | 'connection-refused' | 'empty' | 'other';

/** "Test the dump" before saving a database source: the dump runs into nothing; its size and time, or why it failed. */
export type DatabaseDumpTestResult =
  | {
      readonly ok: true;
      readonly bytes: number;
      readonly seconds: number;
      readonly tool: string;
      readonly toolVersion: string;
      /** What was dumped, for people (kind, database, server; never credentials). */
      readonly label: string;
      /** The result in plain words (the engine's language). */
      readonly text: string;
    }
  | {
      readonly ok: false;
      readonly cause: DatabaseDumpFailureCause;
      /** The cause in plain words (the engine's language). */
      readonly text: string;
      /** The error itself (code, the tool's message with secrets removed). */
      readonly error: ErrorInfo;
    };
