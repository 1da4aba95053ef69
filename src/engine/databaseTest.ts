/**
 * Use case: "test the dump" of a database source before it is saved (the setup wizard's "Testar a cópia do banco").
 * The preset's dump command runs with the password from the secret store into a counting sink; nothing is stored.
 * The answer is the size and time, or the cause in plain words (program missing, user or password refused, database
 * not found, nothing answering at the address) with the tool's own message, secrets removed.
 */
import { t, toErrorInfo } from '../i18n/index.js';
import { dumpFailureCause, dumpTestProgressText, dumpTestText, testDump } from '../source/index.js';
import { type DatabaseDumpTestResult, type DatabaseSourceSetting, type ErrorInfo, isEngineError, type LongOperationOptions } from '../shared/index.js';
import type { EngineContext } from './context.js';
import { databaseCredentials, dbSource } from './databases.js';

function failed(ctx: EngineContext, error: ErrorInfo): DatabaseDumpTestResult {
  const cause = dumpFailureCause(error);
  return { ok: false, cause, text: t(`source.db.test.cause.${cause}`, {}, ctx.locale), error };
}

export function testDatabaseDump(ctx: EngineContext, request: { readonly database: DatabaseSourceSetting }, options: LongOperationOptions = {}): Promise<DatabaseDumpTestResult> {
  return ctx.tasks.run({ kind: 'backup', title: 'task.title.testDatabaseDump', cancelled: 'task.cancelled.readOnly' }, options, async (o) => {
    const locale = ctx.locale;
    let credentials;
    try {
      credentials = await databaseCredentials(ctx, request.database);
    } catch (err) {
      if (isEngineError(err, 'SECRET_NOT_FOUND')) return failed(ctx, toErrorInfo(err, locale));
      throw err;
    }
    const r = await testDump(dbSource(request.database), credentials, {
      locale,
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (bytes) => o.onProgress?.({ type: 'progress', op: 'backup', phase: 'dump-test', done: bytes, unit: 'bytes', bytes, text: dumpTestProgressText(bytes, locale) }),
    });
    o.signal?.throwIfAborted();
    if (!r.ok) return failed(ctx, r.error);
    const v = r.value;
    return { ok: true, bytes: v.bytes, seconds: v.seconds, tool: v.meta.tool, toolVersion: v.meta.toolVersion, label: v.meta.label, text: dumpTestText(v, locale) };
  });
}
