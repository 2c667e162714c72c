import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";
import { AppError } from "./errors.ts";

/** Issuer and audience of the tokens the local stack signs for itself. */
export const DEVELOPMENT_ISSUER = "report-exports-dev";
export const DEVELOPMENT_AUDIENCE = "report-exports";
export const DEVELOPMENT_TOKEN_TTL = "12h";

export type AuthConfig =
  | { mode: "development"; secret: string }
  | { mode: "oidc"; issuer: string; audience: string; jwksUrl: string };

/** Who is calling; `userId` is the token's `sub`. */
export interface AuthUser {
  userId: string;
}

export interface AuthVerifier {
  /** Verifies an `Authorization` header value; throws AppError UNAUTHORIZED. */
  verifyAuthorization(header: string | null | undefined): Promise<AuthUser>;
  /** Verifies a bare token (e.g. from a session cookie); throws AppError UNAUTHORIZED. */
  verifyToken(token: string): Promise<AuthUser>;
}

function unauthorized(detail: string, cause?: unknown): AppError {
  return new AppError("UNAUTHORIZED", detail, cause === undefined ? {} : { cause });
}

function explainJoseError(err: unknown): AppError {
  if (err instanceof errors.JWTExpired) return unauthorized("The token has expired.", err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === "iss") return unauthorized("The token was issued by an untrusted issuer.", err);
    if (err.claim === "aud") return unauthorized("The token is not meant for this API (audience).", err);
    return unauthorized(`The token's "${err.claim}" claim is invalid.`, err);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return unauthorized("The token's signature is invalid.", err);
  }
  if (err instanceof errors.JWKSNoMatchingKey)
    return unauthorized("The token was signed with an unknown key.", err);
  if (err instanceof errors.JOSEAlgNotAllowed)
    return unauthorized("The token's algorithm is not accepted.", err);
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) {
    // The identity provider's keys could not be fetched: not the caller's fault.
    return new AppError("UNAVAILABLE", "The identity provider's signing keys are unavailable.", {
      cause: err,
    });
  }
  if (err instanceof errors.JOSEError) return unauthorized("The token is malformed.", err);
  if (err instanceof Error && /fetch|ECONNREFUSED|network/i.test(`${err.message} ${String(err.cause)}`)) {
    return new AppError("UNAVAILABLE", "The identity provider's signing keys are unavailable.", {
      cause: err,
    });
  }
  return unauthorized("The token could not be verified.", err);
}

/** Splits `Bearer <token>`; anything else is a 401 that says what was wrong. */
export function extractBearerToken(header: string | null | undefined): string {
  if (!header || header.trim() === "") {
    throw unauthorized("Missing Authorization header; send `Authorization: Bearer <token>`.");
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  if (!match?.[1]) throw unauthorized("The Authorization header must use the Bearer scheme.");
  return match[1];
}

/**
 * Builds the verifier for the configured mode: an HS256 shared secret for the local stack,
 * or the identity provider's JWKS (fetched and cached by jose) in production.
 */
export function createAuthVerifier(config: AuthConfig): AuthVerifier {
  let verify: (token: string) => Promise<{ sub?: string | undefined }>;
  if (config.mode === "development") {
    const key = new TextEncoder().encode(config.secret);
    verify = async (token) =>
      (
        await jwtVerify(token, key, {
          algorithms: ["HS256"],
          issuer: DEVELOPMENT_ISSUER,
          audience: DEVELOPMENT_AUDIENCE,
        })
      ).payload;
  } else {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl));
    verify = async (token) =>
      (
        await jwtVerify(token, jwks, {
          algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"],
          issuer: config.issuer,
          audience: config.audience,
        })
      ).payload;
  }

  async function verifyToken(token: string): Promise<AuthUser> {
    let payload: { sub?: string | undefined };
    try {
      payload = await verify(token);
    } catch (err) {
      throw explainJoseError(err);
    }
    if (typeof payload.sub !== "string" || payload.sub.trim() === "") {
      throw unauthorized("The token has no subject (sub) claim.");
    }
    return { userId: payload.sub };
  }

  return {
    verifyToken,
    verifyAuthorization: async (header) => verifyToken(extractBearerToken(header)),
  };
}

/**
 * Signs a development token (HS256) for `userId`; the local stack's only way in. `ttl` is a
 * jose time span ("12h", "30m") or a number of seconds.
 */
export async function signDevelopmentToken(
  secret: string,
  userId: string,
  ttl: string | number = DEVELOPMENT_TOKEN_TTL,
): Promise<string> {
  return (
    new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(userId)
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(DEVELOPMENT_AUDIENCE)
      .setIssuedAt()
      // jose reads a bare number as an absolute timestamp, hence the conversion.
      .setExpirationTime(typeof ttl === "number" ? Math.floor(Date.now() / 1000) + ttl : ttl)
      .sign(new TextEncoder().encode(secret))
  );
}
