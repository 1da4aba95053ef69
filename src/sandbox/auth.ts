/**
 * Authentication for the sandbox: static Bearer tokens, HTTP Basic, and SMART Backend Services
 * (client_credentials with a private-key JWT client assertion, RS384 or ES384, verified against a
 * registered public JWK; short-lived access tokens). All times use the sandbox's (possibly skewed) clock.
 */
import { createPublicKey, randomBytes, timingSafeEqual, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

export interface SmartClient {
  clientId: string;
  /** The client's public key (JWK); or several in `jwks`. */
  jwk?: JsonWebKey;
  jwks?: { keys: JsonWebKey[] };
}

export interface SandboxAuth {
  /** Static access tokens accepted as "Authorization: Bearer <token>". */
  bearerTokens?: string[];
  /** Accepted "Authorization: Basic" credentials. */
  basic?: { username: string; password: string };
  /**
   * SMART Backend Services: registered clients; issued tokens live `tokenLifetimeSeconds` (default 300).
   * `scopes`: the scopes the token endpoint grants (others: 400 invalid_scope; default every system/ scope).
   * `exportScopes`: a token must carry one of these for $export (else 403, like Medplum with system/*.read).
   */
  smart?: { clients: SmartClient[]; tokenLifetimeSeconds?: number; scopes?: string[]; exportScopes?: string[] };
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ALGORITHMS: Record<string, { kty: string; dsaEncoding?: 'ieee-p1363' }> = {
  RS384: { kty: 'RSA' },
  ES384: { kty: 'EC', dsaEncoding: 'ieee-p1363' },
};
const MAX_ASSERTION_LIFETIME_S = 300;
const LEEWAY_S = 5;

export interface TokenError {
  status: number;
  error: 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';
  description: string;
}
export interface TokenGrant {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function b64urlJson(part: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class AuthState {
  private readonly issued = new Map<string, { expMs: number; clientId: string; scope: string }>();
  private readonly seenJti = new Map<string, number>();

  constructor(private readonly clock: () => number) {}

  private prune(now: number): void {
    for (const [k, v] of this.issued) if (v.expMs <= now) this.issued.delete(k);
    for (const [k, exp] of this.seenJti) if (exp <= now) this.seenJti.delete(k);
  }

  /** Checks the Authorization header of a request. Returns null when accepted, else the WWW-Authenticate value. */
  check(auth: SandboxAuth, header: string | undefined): { wwwAuthenticate: string } | null {
    const challenge = (error?: string): { wwwAuthenticate: string } => {
      const parts: string[] = [];
      if (auth.bearerTokens || auth.smart) parts.push(`Bearer realm="sandbox"${error ? `, error="${error}"` : ''}`);
      if (auth.basic) parts.push('Basic realm="sandbox"');
      return { wwwAuthenticate: parts.join(', ') || 'Bearer realm="sandbox"' };
    };
    if (!header) return challenge();
    const m = /^(\w+)\s+(.+)$/.exec(header.trim());
    if (!m) return challenge('invalid_request');
    const scheme = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (scheme === 'bearer') {
      if (auth.bearerTokens?.some((t) => safeEqual(t, value))) return null;
      const now = this.clock();
      const tok = this.issued.get(value);
      if (auth.smart && tok && tok.expMs > now) return null;
      return challenge('invalid_token');
    }
    if (scheme === 'basic' && auth.basic) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i >= 0 && safeEqual(decoded.slice(0, i), auth.basic.username) && safeEqual(decoded.slice(i + 1), auth.basic.password)) return null;
    }
    return challenge();
  }

  /** The scope of the SMART access token in an Authorization header (null for other credentials). */
  scopeOf(header: string | undefined): string | null {
    const m = /^bearer\s+(.+)$/i.exec((header ?? '').trim());
    return m ? (this.issued.get(m[1] ?? '')?.scope ?? null) : null;
  }

  /** The token endpoint: client_credentials with a private-key JWT assertion. */
  token(auth: SandboxAuth, form: URLSearchParams, tokenUrl: string): TokenGrant | TokenError {
    const smart = auth.smart;
    if (!smart) return { status: 400, error: 'invalid_client', description: 'SMART Backend Services is not enabled' };
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, error: 'unsupported_grant_type', description: 'grant_type must be client_credentials' };
    if (form.get('client_assertion_type') !== CLIENT_ASSERTION_TYPE) return { status: 400, error: 'invalid_request', description: `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}` };
    const scope = form.get('scope') ?? 'system/*.read';
    if (!scope.split(/\s+/).every((s) => /^system\/[A-Za-z*]+\.[a-z*]+$/.test(s))) return { status: 400, error: 'invalid_scope', description: 'only system/ scopes are supported' };
    if (smart.scopes && !scope.split(/\s+/).every((s) => smart.scopes?.includes(s))) return { status: 400, error: 'invalid_scope', description: `scope not granted: ${scope}` };
    const jwt = form.get('client_assertion') ?? '';
    const parts = jwt.split('.');
    if (parts.length !== 3) return { status: 400, error: 'invalid_request', description: 'client_assertion is not a JWT' };
    const [h, p, s] = parts as [string, string, string];
    const header = b64urlJson(h);
    const claims = b64urlJson(p);
    if (!header || !claims) return { status: 400, error: 'invalid_request', description: 'client_assertion is not a JWT' };
    const bad = (description: string): TokenError => ({ status: 401, error: 'invalid_client', description });
    const alg = typeof header['alg'] === 'string' ? header['alg'] : '';
    const algInfo = ALGORITHMS[alg];
    if (!algInfo) return bad(`unsupported alg "${alg}" (RS384 or ES384)`);
    const iss = claims['iss'];
    const client = smart.clients.find((c) => c.clientId === iss);
    if (typeof iss !== 'string' || !client) return bad('unknown client');
    if (claims['sub'] !== iss) return bad('sub must equal iss (the client_id)');
    const aud = claims['aud'];
    if (!(aud === tokenUrl || (Array.isArray(aud) && aud.includes(tokenUrl)))) return bad(`aud must be ${tokenUrl}`);
    const nowS = this.clock() / 1000;
    const exp = claims['exp'];
    if (typeof exp !== 'number' || exp + LEEWAY_S < nowS) return bad('the assertion has expired');
    if (exp > nowS + MAX_ASSERTION_LIFETIME_S + LEEWAY_S) return bad('exp is more than five minutes ahead');
    const jti = claims['jti'];
    if (typeof jti !== 'string' || jti.length === 0) return bad('jti is required');
    this.prune(this.clock());
    if (this.seenJti.has(`${iss} ${jti}`)) return bad('jti was already used');
    const kid = typeof header['kid'] === 'string' ? header['kid'] : undefined;
    const keys = [...(client.jwk ? [client.jwk] : []), ...(client.jwks?.keys ?? [])].filter((k) => k.kty === algInfo.kty && (kid === undefined || k.kid === undefined || k.kid === kid));
    const signingInput = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    const ok = keys.some((jwk) => {
      let key: KeyObject;
      try {
        key = createPublicKey({ key: jwk, format: 'jwk' });
      } catch {
        return false;
      }
      try {
        return algInfo.dsaEncoding ? verify('sha384', signingInput, { key, dsaEncoding: algInfo.dsaEncoding }, signature) : verify('sha384', signingInput, key, signature);
      } catch {
        return false;
      }
    });
    if (!ok) return bad('the signature does not verify with the registered key');
    this.seenJti.set(`${iss} ${jti}`, exp * 1000 + LEEWAY_S * 1000);
    const lifetime = smart.tokenLifetimeSeconds ?? 300;
    const accessToken = randomBytes(24).toString('base64url');
    this.issued.set(accessToken, { expMs: this.clock() + lifetime * 1000, clientId: iss, scope });
    return { access_token: accessToken, token_type: 'bearer', expires_in: lifetime, scope };
  }
}
