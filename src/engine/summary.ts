/**
 * Use case: the weekly summary — "tudo certo" or what needs attention, with the week's runs, sizes, copies, the last
 * drill, the health score and every SOP-019 indicator; by e-mail (with the month's drill report PDF attached to the
 * month's first summary) and kept for the app. Run by the scheduler's summary job.
 */
import { EmailChannel, type EmailChannelOptions, formatBytes, formatDateTime } from '../alerts/index.js';
import type { JsonValue } from '../catalog/index.js';
import { t } from '../i18n/index.js';
import { localParts } from '../policy/index.js';
import type { WeeklySummaryView } from '../shared/index.js';
import type { EngineContext } from './context.js';
import { drillReport } from './reports.js';
import { track } from './runs.js';
import { clinicTimeZone } from './settings.js';
import { status } from './status.js';

const WEEK_MS = 7 * 24 * 3_600_000;
export const SUMMARY_SETTING = 'summary.last';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The summary of the 7 days up to now (nothing is sent). */
export async function buildWeeklySummary(ctx: EngineContext): Promise<Omit<WeeklySummaryView, 'drillReportAttached' | 'emailed'>> {
  const catalog = await ctx.catalog();
  const now = ctx.clock.now();
  const from = new Date(now.getTime() - WEEK_MS);
  const s = await status(ctx);
  const runs = catalog.listRuns({ kind: 'backup', since: from, limit: 1_000_000 }).filter((r) => r.status !== 'running');
  const ok = runs.filter((r) => r.status === 'success').length;
  const lastDrill = catalog.lastDrill(['success', 'partial', 'failed', 'interrupted']);
  // What needs attention: the status's reasons (alerts included, worded once); a scheduler stopped for the
  // moment of the summary itself is not news (the summary is sent by the scheduler).
  const attention = s.reasons;
  return {
    from: from.toISOString(),
    to: now.toISOString(),
    allGood: attention.length === 0 && s.alerts.length === 0,
    attention,
    backups: { total: runs.length, ok, failed: runs.length - ok, bytesAdded: runs.reduce((n, r) => n + Math.max(0, r.bytesAdded), 0) },
    snapshots: s.snapshots,
    copies: s.copies.text,
    lastDrill: lastDrill ? { at: lastDrill.startedAt, status: lastDrill.status } : null,
    healthScore: s.kpis.healthScore,
    indicators: s.indicators,
  };
}

function render(
  summary: Omit<WeeklySummaryView, 'drillReportAttached' | 'emailed'>,
  clinic: string,
  attached: boolean,
  locale: EngineContext['locale'],
  timeZone: string,
): { subject: string; text: string; html: string } {
  const L = (k: string, p: Record<string, string | number> = {}): string => t(`summary.${k}`, p, locale);
  const subject = summary.allGood ? L('subject.ok', { clinic }) : L('subject.attention', { clinic, count: Math.max(1, summary.attention.length) });
  const lines: string[] = [
    L('period', { from: formatDateTime(summary.from, locale, timeZone), to: formatDateTime(summary.to, locale, timeZone) }),
    '',
    summary.allGood ? L('headline.ok') : L('headline.attention'),
    ...summary.attention.map((a) => `  • ${a}`),
    '',
    L('backups', { ok: summary.backups.ok, total: summary.backups.total, failed: summary.backups.failed, added: formatBytes(summary.backups.bytesAdded, locale), snapshots: summary.snapshots }),
    L('copies', { text: summary.copies }),
    summary.lastDrill ? L('drill', { at: formatDateTime(summary.lastDrill.at, locale, timeZone), status: L(`drill.${summary.lastDrill.status}`) }) : L('drillNever'),
    L('health', { score: summary.healthScore }),
    '',
    `${L('indicators')}:`,
    ...summary.indicators.map((i) => `  ${i.met === null ? '-' : i.met ? '✓' : '✗'} ${i.label}: ${i.valueText}${i.targetText ? ` (${i.targetText})` : ''}`),
    ...(attached ? ['', L('attached')] : []),
    '',
    '--',
    L('footer'),
  ];
  const text = `${lines.join('\n')}\n`;
  const html = `<!DOCTYPE html>
<html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; color: #1b1b1b;">
${lines.map((l) => (l === '' ? '' : `<p style="margin: 4px 0;">${escapeHtml(l)}</p>`)).join('\n')}
</body></html>
`;
  return { subject, text, html };
}

/** Builds the summary, e-mails it when e-mail is configured and keeps it for the app; recorded as a "summary" run. */
export function sendWeeklySummary(ctx: EngineContext, signal?: AbortSignal): Promise<WeeklySummaryView> {
  return track(
    ctx,
    'summary',
    async () => {
      const catalog = await ctx.catalog();
      const summary = await buildWeeklySummary(ctx);
      const timeZone = await clinicTimeZone(ctx);
      const now = ctx.clock.now();
      // The month's first summary carries the month's drill report (the latest drill, if there is one).
      const month = (d: Date): string => {
        const p = localParts(d, timeZone);
        return `${p.year}-${p.month}`;
      };
      const previous = catalog.lastRun('summary', ['success']);
      const firstOfMonth = !previous || month(new Date(previous.startedAt)) !== month(now);
      const drill = catalog.lastDrill(['success', 'partial', 'failed']);
      const email = catalog.getSetting('alerts.email') as Omit<EmailChannelOptions, 'secrets'> | undefined;
      let attached = false;
      if (email) {
        const attachments: { filename: string; content: Buffer; contentType: string }[] = [];
        if (firstOfMonth && drill?.report) {
          const { pdf } = await drillReport(ctx, drill.id, { signal });
          attachments.push({ filename: `teste-de-restauracao-${month(new Date(drill.startedAt))}.pdf`, content: pdf, contentType: 'application/pdf' });
          attached = true;
        }
        const secrets = email.passwordSecret ? await ctx.credentialStore() : undefined;
        const channel = new EmailChannel({ ...email, locale: ctx.locale, timeZone, ...(secrets ? { secrets } : {}) });
        const clinic = (catalog.getSetting('clinic.name') as string | undefined) ?? 'Clinic Backup';
        const mail = render(summary, clinic, attached, ctx.locale, timeZone);
        await channel.sendMessage({ ...mail, headers: { 'X-Clinic-Backup-Event': 'summary' }, ...(attachments.length > 0 ? { attachments } : {}) }, signal);
      }
      const view: WeeklySummaryView = { ...summary, drillReportAttached: attached, emailed: email !== undefined };
      catalog.setSetting(SUMMARY_SETTING, view as unknown as JsonValue, 'scheduler');
      ctx.emit({ type: 'status-changed' });
      return view;
    },
    () => ({ status: 'success' }),
  );
}
