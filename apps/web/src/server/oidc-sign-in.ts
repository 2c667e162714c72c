import { AppError, type AuthVerifier } from "@reports/api";
import type { Logger } from "@reports/runtime";
import { decodeJwt } from "jose";
import { readCookie, serializeCookie, serializeSessionCookie } from "../lib/session.ts";
import { describeSignInError, type TSignInErrorCode } from "../lib/session-errors.ts";
import type { TWebEnv } from "./env.ts";
import {
  buildAuthorizationUrl,
  buildEndSessionUrl,
  discoverOidc,
  type OidcSettings,
  OidcSignInError,
  redeemAuthorizationCode,
  resolveOidcSettings,
} from "./oidc.ts";
import {
  createOidcTransaction,
  OIDC_TRANSACTION_TTL_SECONDS,
  openOidcTransaction,
  transactionCookieName,
} from "./oidc-transaction.ts";

/** Browsers drop a cookie whose name + value + attributes exceed 4096 bytes, silently. */
const MAX_COOKIE_BYTES = 4096;

/** A redirect and the cookies it sets. */
export interface SignInStep {
  location: string;
  cookies: string[];
}

export interface OidcContext {
  settings: OidcSettings;
  /** Whether the cookies are Secure (production, or an https PUBLIC_URL). */
  secure: boolean;
}

/** The sign-in context of a configuration, or null when it does not use an identity provider. */
export function getOidcContext(env: TWebEnv): OidcContext | null {
  if (env.AUTH_MODE !== "oidc") return null;
  const settings = resolveOidcSettings(env);
  return { settings, secure: env.APP_ENV === "production" || settings.publicUrl.startsWith("https:") };
}

function clearTransactionCookie(secure: boolean): string {
  return serializeCookie(transactionCookieName(secure), null, { secure, maxAgeSeconds: 0 });
}

/** Step 1: remember a fresh transaction in a cookie and send the browser to the provider. */
export async function startOidcSignIn({ settings, secure }: OidcContext): Promise<SignInStep> {
  const configuration = await discoverOidc(settings);
  const transaction = createOidcTransaction();
  return {
    location: await buildAuthorizationUrl(configuration, settings, transaction),
    cookies: [
      serializeCookie(transactionCookieName(secure), transaction.cookieValue, {
        secure,
        maxAgeSeconds: OIDC_TRANSACTION_TTL_SECONDS,
      }),
    ],
  };
}

/**
 * Step 2, the redirect URI: check the response belongs to this browser's transaction,
 * redeem the code, verify the ID token, and keep the ACCESS token as the session, the same
 * bearer token the API verifies on every request (`auth`: AUTH_AUDIENCE, the API's scope).
 */
export async function completeOidcSignIn(input: {
  context: OidcContext;
  auth: AuthVerifier;
  url: URL;
  cookieHeader: string | null;
  log: Logger;
}): Promise<SignInStep> {
  const { settings, secure } = input.context;
  const params = input.url.searchParams;
  const providerError = params.get("error");
  if (providerError) {
    // Logged, never shown: anyone can craft a callback URL with any description.
    input.log.warn(
      { providerError, description: params.get("error_description")?.slice(0, 500) },
      "identity provider refused the sign-in",
    );
    throw new OidcSignInError(
      providerError === "access_denied" ? "access_denied" : "provider_refused",
      `the provider answered error=${providerError}`,
    );
  }
  const state = params.get("state");
  const transaction = openOidcTransaction(
    readCookie(input.cookieHeader, transactionCookieName(secure)),
    state,
  );
  if (!params.get("code"))
    throw new OidcSignInError("provider_refused", "the callback has neither code nor error");

  const tokens = await redeemAuthorizationCode({
    configuration: await discoverOidc(settings),
    callbackUrl: input.url,
    state: state ?? "",
    ...transaction,
    settings,
  });

  // Checked now, so that a token the API would refuse (wrong audience or scope:
  // AUTH_OIDC_SCOPES) is a clear error here rather than a loop between the dashboard and the
  // sign-in page.
  let userId: string;
  try {
    ({ userId } = await input.auth.verifyToken(tokens.accessToken));
  } catch (err) {
    const code =
      err instanceof AppError && err.code === "UNAVAILABLE" ? "provider_unavailable" : "access_token_invalid";
    throw new OidcSignInError(code, `the access token is not accepted: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const maxAgeSeconds = sessionLifetimeSeconds(tokens.accessToken, tokens.expiresIn);
  const session = serializeSessionCookie(tokens.accessToken, { secure, maxAgeSeconds });
  if (Buffer.byteLength(session) > MAX_COOKIE_BYTES) {
    throw new OidcSignInError(
      "token_too_large",
      `the session cookie would be ${Buffer.byteLength(session)} bytes (browsers keep at most ${MAX_COOKIE_BYTES})`,
    );
  }
  input.log.info({ userId, maxAgeSeconds }, "signed in through the identity provider");
  return { location: "/", cookies: [clearTransactionCookie(secure), session] };
}

/** The access token's remaining lifetime: its `exp`, bounded by the response's `expires_in`. */
function sessionLifetimeSeconds(accessToken: string, expiresIn: number | undefined): number {
  const now = Math.floor(Date.now() / 1000);
  const { exp } = decodeJwt(accessToken);
  const candidates = [typeof exp === "number" ? exp - now : undefined, expiresIn].filter(
    (value): value is number => value !== undefined,
  );
  const lifetime = Math.floor(Math.min(...candidates, 24 * 3600));
  if (lifetime <= 0)
    throw new OidcSignInError("access_token_invalid", "the access token has already expired");
  return lifetime;
}

/** The sign-in page, saying the user is signed out. */
export const SIGNED_OUT_LOCATION = "/signin?signedOut=1";

/** Where sign-out sends the browser: the provider's end-session endpoint when it has one. */
export async function signOutLocation(context: OidcContext, log: Logger): Promise<string> {
  const local = SIGNED_OUT_LOCATION;
  try {
    return buildEndSessionUrl(await discoverOidc(context.settings), context.settings) ?? local;
  } catch (err) {
    // The session cookie is cleared either way; only the provider's own session stays.
    log.warn({ err }, "identity provider unreachable at sign-out; signing out of the dashboard only");
    return local;
  }
}

/** A 303 with cookies; cache-control no-store (every answer here is for one browser). */
export function redirectResponse(step: SignInStep): Response {
  const headers = new Headers({ location: step.location, "cache-control": "no-store" });
  for (const cookie of step.cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status: 303, headers });
}

/**
 * Runs a sign-in step; every failure becomes a redirect to the sign-in page with an error
 * code (never a 500), clearing the transaction cookie so the next attempt starts afresh.
 */
export async function runSignInStep(
  context: OidcContext,
  log: Logger,
  step: () => Promise<SignInStep>,
): Promise<Response> {
  try {
    return redirectResponse(await step());
  } catch (err) {
    const code: TSignInErrorCode = err instanceof OidcSignInError ? err.code : "unexpected";
    if (code === "unexpected") log.error({ err }, "browser sign-in failed unexpectedly");
    else
      log.warn(
        { code, reason: (err as Error).message, shown: describeSignInError(code) },
        "browser sign-in failed",
      );
    return redirectResponse({
      location: `/signin?${new URLSearchParams({ error: code })}`,
      cookies: [clearTransactionCookie(context.secure)],
    });
  }
}
