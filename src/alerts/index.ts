/** Alerts (ARCHITECTURE.md §7): pure rules, the manager that stores and delivers them, and the channels. */
export {
  ALERT_RULES,
  DEFAULT_THRESHOLDS,
  coversAlert,
  evaluateAlerts,
  parseAlertKey,
  type AlertCandidate,
  type AlertRule,
  type AlertState,
  type AlertThresholds,
  type DestinationAlertState,
  type DrillAlertState,
  type IntegrityState,
  type LastRunState,
  type OffsiteState,
  type TimeInput,
  type UsbDriveState,
} from './rules.js';
export {
  DEFAULT_ALERT_TIME_ZONE,
  alertSince,
  formatBytes,
  formatDateTime,
  formatDuration,
  renderAlert,
  renderParams,
  severityLabel,
  type RenderableAlert,
  type RenderedAlert,
  type RenderOptions,
} from './render.js';
export { channelFailure, testNotice, type AlertChannel, type AlertContext, type AlertNotice } from './channel.js';
export {
  AlertManager,
  DEFAULT_RETRY,
  SEVERITY_RANK,
  worstSeverity,
  type AlertEvent,
  type AlertListener,
  type AlertLogEntry,
  type AlertManagerOptions,
  type ChannelRegistration,
  type DeliverResult,
  type DeliveryFailure,
  type DeliveryOutcome,
  type EvaluateResult,
  type RetryPolicy,
} from './manager.js';
export { EmailChannel, renderAlertEmail, type EmailChannelOptions, type OutgoingEmail, type RenderedEmail, type SmtpSecurity } from './email.js';
export { SIGNATURE_HEADER, WEBHOOK_SCHEMA, WebhookChannel, signWebhookBody, verifyWebhookSignature, webhookPayload, type WebhookChannelOptions, type WebhookPayload } from './webhook.js';

// ---- Public surface: what other modules of src/ use (kept by the layer rule; extend as needed).
export type { AuditTrailState } from './rules.js';
export { alertStateOf } from './state.js';
