import { ACCEPTED_JWT_ALGORITHMS } from "@reports/api";
import { decodeProtectedHeader } from "jose";
import {
  allowInsecureRequests,
  authorizationCodeGrant,
  buildAuthorizationUrl as buildProviderAuthorizationUrl,
  buildEndSessionUrl as buildProviderEndSessionUrl,
  ClientError,
  type Configuration,
  calculatePKCECodeChallenge,
  clockTolerance,
  discovery,
  enableNonRepudiationChecks,
  None,
  ResponseBodyError,
} from "openid-client";
import type { TSignInErrorCode } from "../lib/session-errors.ts";
import type { TWebEnv } from "./env.ts";

// The dashboard's browser sign-in against an OpenID Connect provider: authorization code
// flow with PKCE (S256), state and nonce, as a public client (no client secret: nothing in
// this product is a stored secret). The protocol is openid-client's (discovery, the
// authorization URL, the code exchange with its response, `iss`, state and ID token checks);
// this file adds the settings, the errors users are shown, and what the library leaves to
// its caller. The transaction cookie is in oidc-transaction.ts, the flow in oidc-sign-in.ts.

/** How long the provider may take to answer discovery, JWKS and token requests. */
export const OIDC_HTTP_TIMEOUT_MS = 5_000;
export const OIDC_START_PATH = "/api/session/oidc/start";
export const OIDC_CALLBACK_PATH = "/api/session/callback";
/** Where the provider sends the browser after signing out (registered like the redirect URI). */
export const OIDC_SIGNED_OUT_PATH = "/signin/signed-out";
/** Discovery documents change rarely; re-read hourly so a provider change needs no restart. */
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
/** Clock skew tolerated in the ID token's `iat` and `exp`. */
const CLOCK_TOLERANCE_SECONDS = 60;

/** A sign-in failure the user is told about as `/signin?error=<code>`; `message` is for the logs. */
export class OidcSignInError extends Error {
  readonly code: TSignInErrorCode;

  constructor(code: TSignInErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "OidcSignInError";
    this.code = code;
  }
}

/** What the browser sign-in needs, resolved from the validated configuration. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** The API's audience: the access token kept in the session must carry it. */
  audience: string;
  scopes: string;
  publicUrl: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  providerName: string;
}

/** The sign-in settings of an oidc-mode configuration (ZWebEnv guarantees they are present). */
export function resolveOidcSettings(env: TWebEnv): OidcSettings {
  const { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience, AUTH_OIDC_CLIENT_ID: clientId } = env;
  const publicUrl = env.PUBLIC_URL;
  if (env.AUTH_MODE !== "oidc" || !issuer || !audience || !clientId || !publicUrl) {
    throw new Error("the browser sign-in needs AUTH_MODE=oidc with its settings (see ZWebEnv)");
  }
  return {
    issuer,
    clientId,
    audience,
    scopes: env.AUTH_OIDC_SCOPES ?? defaultOidcScopes(audience),
    publicUrl,
    redirectUri: `${publicUrl}${OIDC_CALLBACK_PATH}`,
    postLogoutRedirectUri: `${publicUrl}${OIDC_SIGNED_OUT_PATH}`,
    providerName: env.AUTH_OIDC_PROVIDER_NAME ?? deriveProviderName(issuer),
  };
}

/**
 * `<audience>/.default` is how Microsoft Entra ID is asked for an access token whose `aud`
 * is that API; other providers take the audience differently and need AUTH_OIDC_SCOPES.
 */
export function defaultOidcScopes(audience: string): string {
  return `openid profile ${audience.replace(/\/+$/, "")}/.default`;
}

/** "Microsoft" for Entra ID issuers, otherwise the issuer's host name. */
export function deriveProviderName(issuer: string): string {
  const host = URL.parse(issuer)?.hostname ?? issuer;
  return /(^|\.)(microsoftonline\.(com|us|cn)|sts\.windows\.net|ciamlogin\.com)$/.test(host)
    ? "Microsoft"
    : host;
}

// ---------------------------------------------------------------------------------------
// Discovery (OpenID Connect Discovery 1.0), one client configuration per issuer and client

const configurations = new Map<string, { expiresAt: number; promise: Promise<Configuration> }>();

/**
 * The provider's configuration from `<issuer>/.well-known/openid-configuration`, cached per
 * process (a failure is not cached: the next sign-in asks again). Its JWKS, fetched to
 * verify the ID token's signature, is cached with it.
 */
export function discoverOidc(
  client: Pick<OidcSettings, "issuer" | "clientId">,
  options: { timeoutMs?: number } = {},
): Promise<Configuration> {
  const key = `${client.issuer}\u0000${client.clientId}`;
  const now = Date.now();
  const hit = configurations.get(key);
  if (hit && hit.expiresAt > now) return hit.promise;
  const promise = discoverConfiguration(client, options.timeoutMs ?? OIDC_HTTP_TIMEOUT_MS);
  configurations.set(key, { expiresAt: now + DISCOVERY_TTL_MS, promise });
  promise.catch(() => {
    if (configurations.get(key)?.promise === promise) configurations.delete(key);
  });
  return promise;
}

/** Forgets cached provider configurations (tests restart their provider). */
export function clearOidcCaches(): void {
  configurations.clear();
}

async function discoverConfiguration(
  { issuer, clientId }: Pick<OidcSettings, "issuer" | "clientId">,
  timeoutMs: number,
): Promise<Configuration> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  let configuration: Configuration;
  try {
    configuration = await discovery(
      new URL(issuer),
      clientId,
      { [clockTolerance]: CLOCK_TOLERANCE_SECONDS },
      None(),
      {
        timeout: timeoutMs / 1000,
        // openid-client refuses http unless told; ZWebEnv allows an http issuer only when
        // APP_ENV=development (the tests' provider, a local identity provider).
        execute: [
          ...(issuer.startsWith("http:") ? [allowInsecureRequests] : []),
          // The ID token comes straight from the token endpoint, where TLS alone would do
          // (OpenID Connect Core §3.1.3.7); its signature is checked against the JWKS anyway.
          enableNonRepudiationChecks,
        ],
      },
    );
  } catch (err) {
    throw explainProviderError(err, "discovery", `OpenID discovery at ${url}`, timeoutMs);
  }
  const metadata = configuration.serverMetadata();
  // Discovery §4.3: the document must name the issuer it was fetched for, or tokens checked
  // against AUTH_ISSUER could never verify. openid-client compares URLs leniently (and not at
  // all for Entra's multi-tenant issuers), the API compares `iss` as a string.
  if (metadata.issuer !== issuer) {
    throw new OidcSignInError(
      "provider_misconfigured",
      `the discovery document at ${url} names issuer ${metadata.issuer}, not AUTH_ISSUER ${issuer}`,
    );
  }
  const methods = metadata.code_challenge_methods_supported;
  if (methods && !methods.includes("S256")) {
    throw new OidcSignInError(
      "provider_misconfigured",
      `the provider does not support PKCE with S256 (code_challenge_methods_supported: ${methods.join(", ")})`,
    );
  }
  return configuration;
}

// ---------------------------------------------------------------------------------------
// The protocol steps

/** Where the browser goes to sign in (OpenID Connect Core §3.1.2.1, RFC 7636 §4.3). */
export async function buildAuthorizationUrl(
  configuration: Configuration,
  settings: OidcSettings,
  transaction: { state: string; nonce: string; codeVerifier: string },
): Promise<string> {
  return buildProviderAuthorizationUrl(configuration, {
    redirect_uri: settings.redirectUri,
    scope: settings.scopes,
    state: transaction.state,
    nonce: transaction.nonce,
    code_challenge: await calculatePKCECodeChallenge(transaction.codeVerifier),
    code_challenge_method: "S256",
  }).toString();
}

/** The tokens of a completed sign-in. */
export interface OidcTokens {
  accessToken: string;
  /** `expires_in` of the token response, when the provider sent one. */
  expiresIn: number | undefined;
}

/**
 * Redeems the code in the callback URL with the PKCE verifier, as a public client, after
 * openid-client has checked the response's `state` and `iss` (RFC 9207); then verifies the
 * ID token (OpenID Connect Core §3.1.3.7): signature against the provider's JWKS with an
 * algorithm this product accepts, issuer, audience = our client id (`azp` when there are
 * several), expiry, and this transaction's nonce.
 */
export async function redeemAuthorizationCode(input: {
  configuration: Configuration;
  callbackUrl: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
  settings: OidcSettings;
}): Promise<OidcTokens> {
  // The provider sent the browser to PUBLIC_URL's callback; behind an ingress the request
  // URL may carry another origin, and the token request must name the registered one.
  const callbackUrl = new URL(input.settings.redirectUri);
  callbackUrl.search = input.callbackUrl.search;
  let tokens: Awaited<ReturnType<typeof authorizationCodeGrant>>;
  try {
    tokens = await authorizationCodeGrant(input.configuration, callbackUrl, {
      pkceCodeVerifier: input.codeVerifier,
      expectedState: input.state,
      expectedNonce: input.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    const timeoutMs = (input.configuration.timeout ?? OIDC_HTTP_TIMEOUT_MS / 1000) * 1000;
    throw explainProviderError(err, "token", "the code exchange", timeoutMs);
  }
  const algorithm = decodeProtectedHeader(tokens.id_token ?? "").alg ?? "(none)";
  if (!ACCEPTED_JWT_ALGORITHMS.includes(algorithm)) {
    throw new OidcSignInError("id_token_invalid", `the ID token is signed with ${algorithm}, not accepted`);
  }
  return { accessToken: tokens.access_token, expiresIn: tokens.expiresIn() };
}

/**
 * The provider's sign-out URL (RP-Initiated Logout 1.0), or null when it advertises none.
 * No id_token_hint (the session keeps only the access token), so the provider may ask which
 * account to sign out.
 */
export function buildEndSessionUrl(configuration: Configuration, settings: OidcSettings): string | null {
  if (!configuration.serverMetadata().end_session_endpoint) return null;
  return buildProviderEndSessionUrl(configuration, {
    post_logout_redirect_uri: settings.postLogoutRedirectUri,
  }).toString();
}

// ---------------------------------------------------------------------------------------
// What went wrong, in the sign-in's words

/**
 * An openid-client failure as the code the user is shown: the provider out of reach (no
 * answer, a 5xx or 429) is worth retrying; at discovery anything else is a configuration
 * problem; at the code exchange an OAuth error response means the provider refused, and
 * anything else is an answer that did not verify (`iss`, ID token claims or signature).
 */
function explainProviderError(
  err: unknown,
  step: "discovery" | "token",
  what: string,
  timeoutMs: number,
): OidcSignInError {
  if (err instanceof OidcSignInError) return err;
  const fail = (code: TSignInErrorCode, reason: string) =>
    new OidcSignInError(code, `${what} failed: ${reason}`, { cause: err });
  const unavailableStatus = (status: number) => status >= 500 || status === 429;
  if (err instanceof ResponseBodyError) {
    const description = err.error_description ? `: ${err.error_description}` : "";
    return fail(
      unavailableStatus(err.status) ? "provider_unavailable" : "token_rejected",
      `HTTP ${err.status} ${err.error}${description}`,
    );
  }
  if (err instanceof ClientError) {
    if (err.code === "OAUTH_TIMEOUT") return fail("provider_unavailable", `no answer within ${timeoutMs} ms`);
    if (err.code === "OAUTH_RESPONSE_IS_NOT_CONFORM" && err.cause instanceof Response) {
      const { status } = err.cause;
      if (unavailableStatus(status)) return fail("provider_unavailable", `HTTP ${status}`);
      return fail(step === "discovery" ? "provider_misconfigured" : "token_rejected", `HTTP ${status}`);
    }
    return fail(step === "discovery" ? "provider_misconfigured" : "id_token_invalid", describe(err));
  }
  // fetch itself failed: refused, reset, unknown host.
  if (err instanceof TypeError) return fail("provider_unavailable", describe(err));
  return fail("unexpected", err instanceof Error ? describe(err) : String(err));
}

/** The error with what its cause adds (openid-client's causes name the claim or the errno). */
function describe(err: Error): string {
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const details = [cause?.message, cause?.code].filter((value) => typeof value === "string");
  return details.length > 0 ? `${err.message} (${details.join(", ")})` : err.message;
}
