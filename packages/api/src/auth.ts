import { isStorableText, ZDevelopmentUserName } from "@reports/contracts";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from "jose";
import { AppError } from "./errors.ts";

/** Issuer and audience of the tokens the local stack signs for itself. */
export const DEVELOPMENT_ISSUER = "report-exports-dev";
export const DEVELOPMENT_AUDIENCE = "report-exports";
export const DEVELOPMENT_TOKEN_TTL = "12h";

/**
 * The JWS algorithms accepted from an identity provider, in the API's bearer tokens and in the
 * dashboard sign-in's ID token alike: asymmetric only, so that nothing but the provider's
 * private key can produce one (an HS256 token "signed" with a public key, or `none`, is refused).
 */
export const ACCEPTED_JWT_ALGORITHMS: readonly string[] = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "ES256",
  "ES384",
];

/** The app role that makes a user an operator (README, "The admin role"). */
export const DEFAULT_ADMIN_ROLE = "Reports.Admin";

export type AuthConfig =
  | {
      mode: "development";
      secret: string;
      /** Development users who are operators (the local stack's configured list). */
      admins?: readonly string[];
    }
  | {
      mode: "oidc";
      issuer: string;
      audience: string;
      jwksUrl: string;
      /** The delegated permission a user's access token must carry in `scp` (e.g. `Reports.ReadWrite`). */
      scope: string;
      /** The app role an application's access token (no user) must carry in `roles` instead. */
      role: string;
      /** The app role, in `roles`, of an operator (a user assigned it, or an application granted it). */
      adminRole?: string;
    };

/** Who is calling; `userId` is the token's `sub`. */
export interface AuthUser {
  userId: string;
  /** An operator: may use the admin procedures and routes (and see every user's reports there). */
  admin?: boolean;
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
    if (err.reason === "missing") return unauthorized(`The token has no "${err.claim}" claim.`, err);
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
 * Claims only an ID token carries (OpenID Connect Core §2 and §3.3.2.11; Cognito's
 * `token_use`). An ID token tells a client who signed in; it grants nothing at an API, and
 * where one app registration is both the dashboard and the API (docs/deploy.md) its `aud`
 * is the API's own audience, so the audience check alone does not tell the two apart.
 */
function looksLikeIdToken(payload: JWTPayload): boolean {
  return (
    payload.nonce !== undefined ||
    payload.at_hash !== undefined ||
    payload.c_hash !== undefined ||
    (payload.token_use !== undefined && payload.token_use !== "access")
  );
}

/** Space-separated (`scp` in Entra, `scope` in RFC 9068) or an array (`scp` in some providers). */
function scopesOf(payload: JWTPayload): string[] {
  const scopes = payload.scp ?? payload.scope;
  if (typeof scopes === "string") return scopes.split(" ");
  return Array.isArray(scopes) ? scopes.filter((scope) => typeof scope === "string") : [];
}

/**
 * What an identity provider's token must grant besides a valid signature, issuer, audience
 * and expiry: this API's delegated scope (a user signed in through a client) or its app role
 * (an application calling on its own behalf, e.g. Entra's client credentials flow).
 */
function checkOidcPermission(payload: JWTPayload, config: { scope: string; role: string }): void {
  if (looksLikeIdToken(payload)) {
    throw unauthorized("This is an ID token; send the access token issued for this API.");
  }
  // The admin role adds to this, it does not replace it: an operator's script (client
  // credentials) is granted both app roles.
  if (!scopesOf(payload).includes(config.scope) && !rolesOf(payload).includes(config.role)) {
    throw unauthorized(
      `The token grants neither this API's scope "${config.scope}" (scp) nor its app role "${config.role}" (roles).`,
    );
  }
}

/** The token's app roles (`roles`: Entra puts a user's assigned roles there, and an application's). */
function rolesOf(payload: JWTPayload): string[] {
  return Array.isArray(payload.roles) ? payload.roles.filter((role) => typeof role === "string") : [];
}

function authUser(userId: string, admin: boolean): AuthUser {
  return admin ? { userId, admin: true } : { userId };
}

/**
 * Longest subject accepted. Identity providers' subjects are far shorter (Entra's `oid` and
 * `sub` are 36 and 43 characters; OpenID Connect Core §2 caps `sub` at 255 ASCII characters),
 * and the subject is the reports' owner id, part of an index whose entries PostgreSQL limits
 * to about 2,700 bytes.
 */
export const MAX_SUBJECT_LENGTH = 255;

/**
 * A subject usable as an owner id: bounded, and text PostgreSQL stores as it is (no NUL,
 * which it refuses; no lone surrogate, which the driver would turn into U+FFFD, making two
 * different subjects one owner) and without control characters.
 */
function isUsableSubject(sub: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return sub.length <= MAX_SUBJECT_LENGTH && isStorableText(sub) && !/[\u0000-\u001f\u007f]/.test(sub);
}

/**
 * Builds the verifier for the configured mode: an HS256 shared secret for the local stack,
 * or the identity provider's JWKS (fetched and cached by jose) in production. Every token
 * must carry `exp`: one without it would be valid forever.
 */
export function createAuthVerifier(config: AuthConfig): AuthVerifier {
  let verify: (token: string) => Promise<JWTPayload>;
  // Development tokens carry no roles: the local stack's list decides, when the token is used.
  const admins = new Set(config.mode === "development" ? (config.admins ?? []) : []);
  if (config.mode === "development") {
    const key = new TextEncoder().encode(config.secret);
    verify = async (token) =>
      (
        await jwtVerify(token, key, {
          algorithms: ["HS256"],
          issuer: DEVELOPMENT_ISSUER,
          audience: DEVELOPMENT_AUDIENCE,
          requiredClaims: ["exp"],
        })
      ).payload;
  } else {
    const jwks: JWTVerifyGetKey = createRemoteJWKSet(new URL(config.jwksUrl));
    verify = async (token) =>
      (
        await jwtVerify(token, jwks, {
          algorithms: [...ACCEPTED_JWT_ALGORITHMS],
          issuer: config.issuer,
          audience: config.audience,
          requiredClaims: ["exp"],
        })
      ).payload;
  }

  async function verifyToken(token: string): Promise<AuthUser> {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (err) {
      throw explainJoseError(err);
    }
    if (typeof payload.sub !== "string" || payload.sub.trim() === "") {
      throw unauthorized("The token has no subject (sub) claim.");
    }
    if (!isUsableSubject(payload.sub)) {
      throw unauthorized(
        `The token's subject (sub) must be at most ${MAX_SUBJECT_LENGTH} characters of plain text.`,
      );
    }
    if (config.mode === "oidc") {
      checkOidcPermission(payload, config);
      return authUser(payload.sub, rolesOf(payload).includes(config.adminRole ?? DEFAULT_ADMIN_ROLE));
    }
    return authUser(payload.sub, admins.has(payload.sub));
  }

  return {
    verifyToken,
    verifyAuthorization: async (header) => verifyToken(extractBearerToken(header)),
  };
}

/**
 * Signs a development token (HS256) for `userId`, a user name as ZDevelopmentUserName allows;
 * the local stack's only way in. `ttl` is a
 * jose time span ("12h", "30m") or a number of seconds.
 */
export async function signDevelopmentToken(
  secret: string,
  userId: string,
  ttl: string | number = DEVELOPMENT_TOKEN_TTL,
): Promise<string> {
  // The sign-in form's rule, so that no way in names a user the other refuses.
  const userName = ZDevelopmentUserName.safeParse(userId);
  if (!userName.success) {
    throw new Error(`Invalid user name ${JSON.stringify(userId)}: ${userName.error.issues[0]?.message}`);
  }
  return (
    new SignJWT({})
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(userName.data)
      .setIssuer(DEVELOPMENT_ISSUER)
      .setAudience(DEVELOPMENT_AUDIENCE)
      .setIssuedAt()
      // jose reads a bare number as an absolute timestamp, hence the conversion.
      .setExpirationTime(typeof ttl === "number" ? Math.floor(Date.now() / 1000) + ttl : ttl)
      .sign(new TextEncoder().encode(secret))
  );
}
