/** How the command line names a FHIR server's credentials (backup source, restore target): files or stored secrets. */
import type { SourceAuthRequest, StrategyName } from '../index.js';
import { usage } from './context.js';
import type { Values } from './options.js';

export function parseStrategy(value: string): StrategyName {
  if (value === 'bulk-export' || value === 'history' || value === 'search') return value;
  throw usage('--strategy bulk-export|history|search');
}

/** Source credentials come from files named on the command line, never from argument values. */
export function sourceAuth(values: Values): SourceAuthRequest {
  const kind = values.auth ?? (values['token-file'] || values['token-secret'] ? 'bearer' : values['smart-client-id'] ? 'smart' : values.username ? 'basic' : 'none');
  const pick = (file: string | undefined, secret: string | undefined, what: string): { file?: string; secret?: string } => {
    if (!file && !secret) throw usage(what);
    return file ? { file } : { secret: secret as string };
  };
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'bearer': {
      const v = pick(values['token-file'], values['token-secret'], '--auth bearer needs --token-file <file> or --token-secret <name>');
      return { kind: 'bearer', ...(v.file ? { tokenFile: v.file } : { tokenSecret: v.secret }) };
    }
    case 'basic': {
      if (!values.username) throw usage('--auth basic needs --username');
      const v = pick(values['basic-password-file'], values['basic-password-secret'], '--auth basic needs --basic-password-file <file> or --basic-password-secret <name>');
      return { kind: 'basic', username: values.username, ...(v.file ? { passwordFile: v.file } : { passwordSecret: v.secret }) };
    }
    case 'smart': {
      if (!values['smart-client-id'] || !values['token-url']) throw usage('--auth smart needs --smart-client-id, --token-url and --smart-key-file or --smart-key-secret');
      const v = pick(values['smart-key-file'], values['smart-key-secret'], '--auth smart needs --smart-key-file <file> or --smart-key-secret <name>');
      return {
        kind: 'smart',
        clientId: values['smart-client-id'],
        tokenUrl: values['token-url'],
        ...(v.file ? { keyFile: v.file } : { keySecret: v.secret }),
        ...(values['smart-key-id'] ? { keyId: values['smart-key-id'] } : {}),
        ...(values.scope ? { scopes: values.scope } : {}),
      };
    }
    default:
      throw usage('--auth none|basic|bearer|smart');
  }
}
