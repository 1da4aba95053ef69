/**
 * Authentication to FHIR servers: none, basic, bearer token, and SMART Backend Services
 * (OAuth2 client credentials with a private-key JWT client assertion, RS384 or ES384).
 * Secrets arrive as values from the SecretStore or files, never from command-line arguments.
 *
 * SMART scopes: servers differ (SMART v2 "system/*.rs", v1 "system/*.read", some want "system/*.*" for
 * $export). The configured scopes are tried in turn: the next one when the token endpoint refuses a scope
 * (invalid_scope), or when the server answers 403 with a token of the current one.
 */
import { createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { EngineError } from '../../shared/index.js';
import { displayUrl, NO_AUTH, type AuthProvider } from './http.js';

export type SourceAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  | {
      readonly kind: 'smart';
      readonly clientId: string;
      readonly privateKeyPem: string;
      readonly tokenUrl: string;
      readonly keyId?: string;
      /** Scope to ask for; several (space-separated inside one entry: asked together) are tried in turn. */
      readonly scope?: string;
      readonly scopes?: readonly string[];
    };

/** Default SMART scopes, tried in turn: v2 read+search, then v1 read. */
export const DEFAULT_SMART_SCOPES: readonly string[] = ['system/*.rs', 'system/*.read'];

/** The scopes to try, in order. */
export function smartScopes(cfg: { scope?: string; scopes?: readonly string[] }): string[] {
  const list = (cfg.scopes && cfg.scopes.length > 0 ? cfg.scopes : cfg.scope ? [cfg.scope] : DEFAULT_SMART_SCOPES).map((s) => s.trim().replace(/\s+/g, ' ')).filter((s) => s.length > 0);
  return list.length > 0 ? [...new Set(list)] : [...DEFAULT_SMART_SCOPES];
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Builds and signs the client assertion JWT for SMART Backend Services. */
export function clientAssertion(clientId: string, tokenUrl: string, key: KeyObject, keyId: string | undefined, now = Date.now()): string {
  const ec = key.asymmetricKeyType === 'ec';
  const header = { alg: ec ? 'ES384' : 'RS384', typ: 'JWT', ...(keyId ? { kid: keyId } : {}) };
  const claims = { iss: clientId, sub: clientId, aud: tokenUrl, exp: Math.floor(now / 1000) + 300, jti: randomUUID() };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign('sha384', Buffer.from(input), ec ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${b64url(signature)}`;
}

class SmartAuth implements AuthProvider {
  private token: { value: string; expiresAt: number } | null = null;
  private readonly key: KeyObject;
  /** Server clock − ours, learnt from the token endpoint's Date header when it refuses an assertion. */
  private skewMs = 0;
  private readonly scopes: string[];
  private scopeIndex = 0;

  constructor(private readonly cfg: Extract<SourceAuth, { kind: 'smart' }>) {
    try {
      this.key = createPrivateKey(cfg.privateKeyPem);
    } catch {
      throw new EngineError('INVALID_ARGUMENT', { field: 'SMART private key', reason: 'not a PEM private key' });
    }
    if (this.key.asymmetricKeyType !== 'rsa' && this.key.asymmetricKeyType !== 'ec') {
      throw new EngineError('INVALID_ARGUMENT', { field: 'SMART private key', reason: 'use an RSA or EC (P-384) key' });
    }
    this.scopes = smartScopes(cfg);
  }

  /** The scope the current token was (or will be) asked for. */
  get scope(): string {
    return this.scopes[this.scopeIndex] as string;
  }

  /** A 403 with the current scope's token: the next configured scope, when there is one. */
  async onForbidden(): Promise<boolean> {
    if (this.scopeIndex + 1 >= this.scopes.length) return false;
    this.scopeIndex++;
    this.token = null;
    return true;
  }

  async headers(signal?: AbortSignal): Promise<Record<string, string>> {
    if (!this.token || Date.now() > this.token.expiresAt) await this.fetchToken(signal);
    return { Authorization: `Bearer ${this.token?.value ?? ''}` };
  }

  async refresh(): Promise<boolean> {
    this.token = null;
    await this.fetchToken();
    return true;
  }

  private async fetchToken(signal?: AbortSignal, retriedForSkew = false): Promise<void> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      // The assertion's exp is judged by the server's clock: date it by that clock when ours is off.
      client_assertion: clientAssertion(this.cfg.clientId, this.cfg.tokenUrl, this.key, this.cfg.keyId, Date.now() + this.skewMs),
    });
    let res: Response;
    try {
      res = await fetch(this.cfg.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: body.toString(),
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(30_000)]) : AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new EngineError('SOURCE_UNREACHABLE', { url: displayUrl(this.cfg.tokenUrl), reason: 'token endpoint' }, { cause: err, transient: true });
    }
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      // A refusal without a JSON body (a proxy's page) is still a refusal: handled below as one without a reason.
      const refusal = (await res.json().catch(() => null)) as { error?: unknown } | null;
      // A scope this server does not grant: the next configured one.
      if (refusal?.error === 'invalid_scope' && this.scopeIndex + 1 < this.scopes.length) {
        this.scopeIndex++;
        return this.fetchToken(signal, retriedForSkew);
      }
      // Refused, and the server's clock is more than a minute away from ours: the assertion may have looked
      // expired (or too far ahead) to it. Try once more, dated by its clock.
      const serverNow = Date.parse(res.headers.get('date') ?? '');
      const skew = Number.isNaN(serverNow) ? 0 : serverNow - Date.now();
      if (!retriedForSkew && Math.abs(skew - this.skewMs) > 60_000) {
        this.skewMs = skew;
        return this.fetchToken(signal, true);
      }
      throw new EngineError('SOURCE_AUTH', { status: res.status, ...(refusal?.error === 'invalid_scope' ? { reason: `scope ${this.scope} refused` } : {}) });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new EngineError('SOURCE_HTTP', { status: res.status, url: displayUrl(this.cfg.tokenUrl) }, { transient: res.status >= 500 });
    }
    // Not JSON: reported just below as SOURCE_BAD_RESPONSE (no access_token).
    const json = (await res.json().catch(() => null)) as { access_token?: unknown; expires_in?: unknown } | null;
    if (!json || typeof json.access_token !== 'string') throw new EngineError('SOURCE_BAD_RESPONSE', { url: displayUrl(this.cfg.tokenUrl), reason: 'no access_token' });
    const ttl = typeof json.expires_in === 'number' ? json.expires_in : 300;
    this.token = { value: json.access_token, expiresAt: Date.now() + Math.max(10, ttl - 30) * 1000 };
  }
}

export function authProvider(auth: SourceAuth): AuthProvider {
  switch (auth.kind) {
    case 'none':
      return NO_AUTH;
    case 'basic': {
      const value = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      return { headers: async () => ({ Authorization: value }) };
    }
    case 'bearer':
      return { headers: async () => ({ Authorization: `Bearer ${auth.token}` }) };
    case 'smart':
      return new SmartAuth(auth);
  }
}
