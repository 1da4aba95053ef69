/**
 * Use cases: the printable documents — the disaster-recovery plan and the compliance summary (from the actual
 * configuration and history), a drill's report, and the recovery kit. Each is a task that can be cancelled.
 */
import { type DrillReport, EngineError, type LongOperationOptions, type RecoveryKitWords, throwIfAborted, TOOL_VERSION } from '../shared/index.js';
import type { RecoveryKeyLanguage } from '../crypto/index.js';
import {
  complianceDataOf,
  complianceHtml,
  compliancePdf,
  drillReportHtml,
  drillReportPdf,
  drPlanDataOf,
  drPlanHtml,
  drPlanPdf,
  gatherConfigurationFacts,
  isSourceDrillReport,
  recoveryKitHtml,
  recoveryKitPdf,
  sourceDrillReportHtml,
  sourceDrillReportPdf,
} from '../reports/index.js';
import type { EngineContext } from './context.js';
import { recoveryKit, recoveryKitStatus } from './keys.js';
import { clinicTimeZone, getSettings, retentionPolicy } from './settings.js';

const REPORT_TASK = { kind: 'report', title: 'task.title.report', cancelled: 'task.cancelled.report' } as const;

function step(o: LongOperationOptions, phase: 'gather' | 'render', done: number): void {
  throwIfAborted(o.signal);
  o.onProgress?.({ type: 'progress', op: 'report', phase, done, total: 2, unit: 'steps' });
}

/** The disaster-recovery plan or the compliance summary, generated from the actual configuration. */
export function configurationReport(ctx: EngineContext, kind: 'dr-plan' | 'compliance', options: LongOperationOptions = {}): Promise<{ html: string; pdf: Buffer }> {
  return ctx.tasks.run(REPORT_TASK, options, async (o) => {
    step(o, 'gather', 0);
    const kit = await recoveryKitStatus(ctx);
    const facts = await gatherConfigurationFacts({
      repo: await ctx.repo(),
      catalog: await ctx.catalog(),
      settings: await getSettings(ctx),
      retention: await retentionPolicy(ctx),
      location: ctx.location,
      copies: ctx.copies(),
      regionFor: (location) => ctx.regionFor(location),
      residencyAcknowledged: ctx.options.residencyAcknowledged ?? false,
      opensWith: ctx.options.secretStore ? 'app' : ctx.options.passwordFile ? 'password-file' : 'keychain',
      kit: { createdAt: kit.createdAt, confirmedAt: kit.confirmedAt },
      toolVersion: TOOL_VERSION,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    step(o, 'render', 1);
    const locale = ctx.locale;
    if (kind === 'dr-plan') {
      const data = drPlanDataOf(facts);
      return { html: drPlanHtml(data, locale), pdf: await drPlanPdf(data, locale) };
    }
    const data = complianceDataOf(facts);
    return { html: complianceHtml(data, locale), pdf: await compliancePdf(data, locale) };
  });
}

/** A drill's report as HTML and PDF, printed in the clinic's time zone as it is now configured. */
export function drillReport(ctx: EngineContext, id: number, options: LongOperationOptions = {}): Promise<{ html: string; pdf: Buffer }> {
  return ctx.tasks.run(REPORT_TASK, options, async (o) => {
    step(o, 'gather', 0);
    const d = (await ctx.catalog()).getDrill(id);
    if (!d || !d.report) throw new EngineError('NOT_FOUND', { what: `drill ${id}` });
    const report: unknown = d.report;
    if (isSourceDrillReport(report)) {
      // A folder or database drill: its own report (what was restored and what that proves).
      const source = { ...report, id, operator: d.operator ?? null, timeZone: await clinicTimeZone(ctx), toolVersion: TOOL_VERSION };
      step(o, 'render', 1);
      return { html: sourceDrillReportHtml(source, ctx.locale), pdf: await sourceDrillReportPdf(source, ctx.locale) };
    }
    const data: DrillReport = { ...(d.report as unknown as DrillReport), timeZone: await clinicTimeZone(ctx) };
    step(o, 'render', 1);
    return { html: drillReportHtml(data, ctx.locale), pdf: await drillReportPdf(data, ctx.locale) };
  });
}

/** The current recovery key's printable kit as HTML and PDF (the same words every time). */
export function recoveryKitDocuments(ctx: EngineContext, language: RecoveryKeyLanguage = 'pt-BR', options: LongOperationOptions = {}): Promise<RecoveryKitWords & { html: string; pdf: Buffer }> {
  return ctx.tasks.run(REPORT_TASK, options, async (o) => {
    step(o, 'gather', 0);
    const kit = await recoveryKit(ctx, language);
    const data = {
      repoId: kit.repoId,
      locations: [ctx.location, ...ctx.copies().map((c) => c.location)],
      createdAt: kit.slot.created,
      recoveryKey: kit.recoveryKey,
      slotId: kit.slot.id,
      toolVersion: TOOL_VERSION,
      timeZone: await clinicTimeZone(ctx),
    };
    step(o, 'render', 1);
    return { ...kit, html: recoveryKitHtml(data, language), pdf: await recoveryKitPdf(data, language) };
  });
}
