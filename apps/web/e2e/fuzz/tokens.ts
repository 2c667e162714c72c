import { DEVELOPMENT_TOKEN_TTL, signDevelopmentToken } from "@reports/api";
import { SignJWT, UnsecuredJWT } from "jose";

// What the local stack's development tokens carry (packages/api/src/auth.ts); the suite signs
// wrong variants of them to check that only exactly those are accepted.
const ISSUER = "report-exports-dev";
const AUDIENCE = "report-exports";

/** A token the API must refuse with 401, and why. */
export interface BadToken {
  kind: string;
  /** The whole Authorization header value, or null for none. */
  authorization: string | null;
}

function hs256(secret: string) {
  return new TextEncoder().encode(secret);
}

const now = () => Math.floor(Date.now() / 1000);

/**
 * Tokens the suite uses. Good ones are signed like `npm run token`; the bad ones are each
 * wrong in exactly one way (expired, no `exp`, wrong key, wrong issuer or audience, `alg:
 * none`, a subject PostgreSQL could not store...) or not a bearer token at all.
 */
export class TokenFactory {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly secret: string) {}

  /** A valid token for `userId` (cached: the suite asks for the same users again and again). */
  valid(userId: string): Promise<string> {
    let token = this.cache.get(userId);
    if (!token) {
      token = signDevelopmentToken(this.secret, userId, DEVELOPMENT_TOKEN_TTL);
      this.cache.set(userId, token);
    }
    return token;
  }

  /** Every kind of bad token, freshly signed (one set per run). */
  async badTokens(): Promise<BadToken[]> {
    const key = hs256(this.secret);
    const base = () =>
      new SignJWT({})
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE);
    const signed = async (kind: string, token: Promise<string> | string) => ({
      kind,
      authorization: `Bearer ${await token}`,
    });
    const good = await this.valid("fuzz-bad-token-base");
    const [header, payload, signature] = good.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    return Promise.all([
      { kind: "none", authorization: null },
      { kind: "empty header", authorization: "" },
      { kind: "bearer without token", authorization: "Bearer " },
      { kind: "basic scheme", authorization: `Basic ${Buffer.from("alice:secret").toString("base64")}` },
      { kind: "token without scheme", authorization: good },
      { kind: "garbage", authorization: "Bearer not-a-jwt" },
      { kind: "two tokens", authorization: `Bearer ${good} ${good}` },
      { kind: "truncated", authorization: `Bearer ${good.slice(0, good.length - 10)}` },
      { kind: "bad signature", authorization: `Bearer ${header}.${payload}.${flipped}` },
      {
        kind: "payload swapped",
        authorization: `Bearer ${header}.${Buffer.from('{"sub":"x"}').toString("base64url")}.${signature}`,
      },
      signed(
        "expired",
        base()
          .setSubject("fuzz-expired")
          .setIssuedAt(now() - 7200)
          .setExpirationTime(now() - 3600)
          .sign(key),
      ),
      signed("no exp", base().setSubject("fuzz-no-exp").setIssuedAt().sign(key)),
      signed(
        "not yet valid",
        base()
          .setSubject("fuzz-nbf")
          .setNotBefore(now() + 3600)
          .setExpirationTime("2h")
          .sign(key),
      ),
      signed(
        "wrong key",
        base()
          .setSubject("fuzz-wrong-key")
          .setExpirationTime("1h")
          .sign(hs256(`${this.secret}-but-not-quite`)),
      ),
      signed(
        "wrong issuer",
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer("someone-else")
          .setAudience(AUDIENCE)
          .setSubject("fuzz")
          .setExpirationTime("1h")
          .sign(key),
      ),
      signed(
        "wrong audience",
        new SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer(ISSUER)
          .setAudience("another-api")
          .setSubject("fuzz")
          .setExpirationTime("1h")
          .sign(key),
      ),
      signed(
        "alg none",
        new UnsecuredJWT({})
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setSubject("fuzz-none")
          .setExpirationTime("1h")
          .encode(),
      ),
      signed("no subject", base().setExpirationTime("1h").sign(key)),
      signed("empty subject", base().setSubject("").setExpirationTime("1h").sign(key)),
      signed("blank subject", base().setSubject("   ").setExpirationTime("1h").sign(key)),
      signed("NUL in subject", base().setSubject("fuzz\u0000user").setExpirationTime("1h").sign(key)),
      signed(
        "unpaired surrogate in subject",
        base().setSubject("fuzz\ud800user").setExpirationTime("1h").sign(key),
      ),
      signed("huge subject", base().setSubject("u".repeat(4_000)).setExpirationTime("1h").sign(key)),
      signed(
        "numeric subject",
        new SignJWT({ sub: 42 as unknown as string })
          .setProtectedHeader({ alg: "HS256" })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime("1h")
          .sign(key),
      ),
    ]);
  }
}
