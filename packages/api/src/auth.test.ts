import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthVerifier, signDevelopmentToken } from "./auth.ts";
import { AppError } from "./errors.ts";

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

const SECRET = "a-development-secret-of-at-least-32-characters";

async function expectUnauthorized(promise: Promise<unknown>, detail: RegExp) {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("UNAUTHORIZED");
  expect((error as AppError).detail).toMatch(detail);
}

describe("development auth", () => {
  const verifier = createAuthVerifier({ mode: "development", secret: SECRET });

  it("accepts a development token and returns its subject", async () => {
    const token = await signDevelopmentToken(SECRET, "alice");
    await expect(verifier.verifyAuthorization(`Bearer ${token}`)).resolves.toEqual({ userId: "alice" });
  });

  it("signs only a user name the development sign-in form accepts", async () => {
    await expect(signDevelopmentToken(SECRET, "alice smith")).rejects.toThrow(
      'Invalid user name "alice smith": Use letters, digits and . _ @ - only.',
    );
    await expect(signDevelopmentToken(SECRET, "")).rejects.toThrow("Enter a user name.");
    const token = await signDevelopmentToken(SECRET, "dave@example.com");
    await expect(verifier.verifyToken(token)).resolves.toEqual({ userId: "dave@example.com" });
  });

  it("refuses a missing header, another scheme and garbage", async () => {
    await expectUnauthorized(verifier.verifyAuthorization(undefined), /Missing Authorization/);
    await expectUnauthorized(verifier.verifyAuthorization("Basic YWxpY2U6cHc="), /Bearer scheme/);
    await expectUnauthorized(verifier.verifyAuthorization("Bearer not-a-jwt"), /malformed/);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await signDevelopmentToken("another-secret-that-is-also-32-characters", "alice");
    await expectUnauthorized(verifier.verifyAuthorization(`Bearer ${token}`), /signature/);
  });

  it("refuses an expired token", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setIssuer("report-exports-dev")
      .setAudience("report-exports")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(new TextEncoder().encode(SECRET));
    await expectUnauthorized(verifier.verifyToken(token), /expired/);
  });

  it("refuses a wrong issuer or audience", async () => {
    const base = () =>
      new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("alice").setExpirationTime("1h");
    const key = new TextEncoder().encode(SECRET);
    const wrongIssuer = await base().setIssuer("someone-else").setAudience("report-exports").sign(key);
    const wrongAudience = await base().setIssuer("report-exports-dev").setAudience("other-api").sign(key);
    await expectUnauthorized(verifier.verifyToken(wrongIssuer), /issuer/);
    await expectUnauthorized(verifier.verifyToken(wrongAudience), /audience/);
  });

  it("refuses a token without an expiry", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("alice")
      .setIssuer("report-exports-dev")
      .setAudience("report-exports")
      .sign(new TextEncoder().encode(SECRET));
    await expectUnauthorized(verifier.verifyToken(token), /"exp" claim/);
  });

  it("refuses a subject PostgreSQL could not store as it is, or longer than 255 characters", async () => {
    const key = new TextEncoder().encode(SECRET);
    const withSubject = (sub: string) =>
      new SignJWT({})
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(sub)
        .setIssuer("report-exports-dev")
        .setAudience("report-exports")
        .setExpirationTime("1h")
        .sign(key);
    for (const sub of ["al\u0000ice", "alice\ud800", "\udc00", "ali\nce", "a".repeat(256)]) {
      await expectUnauthorized(verifier.verifyToken(await withSubject(sub)), /subject \(sub\) must be/);
    }
    // Any other text is a user id, up to 255 characters.
    for (const sub of ["a".repeat(255), "Zoë 🎷", "00000000-0000-4000-8000-000000000000"]) {
      await expect(verifier.verifyToken(await withSubject(sub))).resolves.toEqual({ userId: sub });
    }
  });

  it("signs tokens with a ttl in seconds", async () => {
    const token = await signDevelopmentToken(SECRET, "bob", 60);
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
    expect(payload.exp - payload.iat).toBe(60);
  });
});

describe("oidc auth against a real JWKS endpoint", () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: PrivateKey;
  let otherPrivateKey: PrivateKey;
  const issuer = "https://login.example.test/tenant/v2.0";
  const audience = "api://report-exports";

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    const other = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    otherPrivateKey = other.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "RS256", use: "sig" };
    server = createServer((req, res) => {
      if (req.url === "/keys") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ keys: [jwk] }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const permission = { scope: "Reports.ReadWrite", role: "Reports.ReadWrite.All" };
  const config = () => ({ mode: "oidc" as const, issuer, audience, jwksUrl, ...permission });

  function sign(
    key: PrivateKey,
    claims: { iss?: string; aud?: string; sub?: string; exp?: boolean } & Record<string, unknown>,
  ) {
    const { iss, aud, sub, exp = true, ...rest } = claims;
    const jwt = new SignJWT({ scp: permission.scope, ...rest }).setProtectedHeader({
      alg: "RS256",
      kid: "key-1",
    });
    if (exp) jwt.setExpirationTime("5m");
    if (iss) jwt.setIssuer(iss);
    if (aud) jwt.setAudience(aud);
    if (sub) jwt.setSubject(sub);
    return jwt.sign(key);
  }

  it("accepts a token signed by the provider's key", async () => {
    const verifier = createAuthVerifier(config());
    const token = await sign(privateKey, { iss: issuer, aud: audience, sub: "user-oid-1" });
    await expect(verifier.verifyAuthorization(`Bearer ${token}`)).resolves.toEqual({ userId: "user-oid-1" });
  });

  it("accepts this API's scope among others (scp), or its app role (roles) without a scope", async () => {
    const verifier = createAuthVerifier(config());
    const base = { iss: issuer, aud: audience, sub: "u" };
    for (const claims of [
      { scp: `openid ${permission.scope} profile` },
      { scp: ["profile", permission.scope] },
      { scp: undefined, scope: permission.scope },
      { scp: undefined, roles: ["Other.Role", permission.role] },
    ]) {
      await expect(verifier.verifyToken(await sign(privateKey, { ...base, ...claims }))).resolves.toEqual({
        userId: "u",
      });
    }
  });

  it("marks an operator by the admin app role (roles), on top of the scope or the API's role", async () => {
    const base = { iss: issuer, aud: audience, sub: "u" };
    const verifier = createAuthVerifier(config());
    await expect(
      verifier.verifyToken(await sign(privateKey, { ...base, roles: ["Reports.Admin"] })),
    ).resolves.toEqual({ userId: "u", admin: true });
    await expect(
      verifier.verifyToken(
        await sign(privateKey, { ...base, scp: undefined, roles: [permission.role, "Reports.Admin"] }),
      ),
    ).resolves.toEqual({ userId: "u", admin: true });
    // Another name configured: the default one is just a role.
    const renamed = createAuthVerifier({ ...config(), adminRole: "Exports.Operator" });
    await expect(
      renamed.verifyToken(await sign(privateKey, { ...base, roles: ["Reports.Admin"] })),
    ).resolves.toEqual({ userId: "u" });
    await expect(
      renamed.verifyToken(await sign(privateKey, { ...base, roles: ["Exports.Operator"] })),
    ).resolves.toEqual({ userId: "u", admin: true });
  });

  it("refuses a token granting neither the scope nor the app role", async () => {
    const verifier = createAuthVerifier(config());
    const base = { iss: issuer, aud: audience, sub: "u" };
    for (const claims of [
      { scp: undefined },
      { scp: "Reports.Read User.Read" },
      { scp: "reports.readwrite" },
      { scp: undefined, roles: ["Reports.Admin"] },
      // The scope's name in the roles claim, or the role's in scp, grants nothing.
      { scp: permission.role, roles: [permission.scope] },
    ]) {
      await expectUnauthorized(
        verifier.verifyToken(await sign(privateKey, { ...base, ...claims })),
        /neither this API's scope "Reports.ReadWrite" \(scp\) nor its app role/,
      );
    }
  });

  it("refuses ID tokens, even for the API's own audience with its app role", async () => {
    const verifier = createAuthVerifier(config());
    // One app registration as dashboard and API (docs/deploy.md): its ID tokens carry the
    // API's audience, and the roles assigned to the user.
    const base = { iss: issuer, aud: audience, sub: "u", scp: undefined, roles: [permission.role] };
    for (const marker of [
      { nonce: "n-0S6_WzA2Mj" },
      { at_hash: "77QmUPtjPfzWtF2AnpK9RQ" },
      { c_hash: "LDktKdoQak3Pk0cnXxCltA" },
      { token_use: "id" },
    ]) {
      await expectUnauthorized(
        verifier.verifyToken(await sign(privateKey, { ...base, ...marker })),
        /ID token/,
      );
    }
  });

  it("refuses a token without an expiry", async () => {
    const verifier = createAuthVerifier(config());
    await expectUnauthorized(
      verifier.verifyToken(await sign(privateKey, { iss: issuer, aud: audience, sub: "u", exp: false })),
      /"exp" claim/,
    );
  });

  it("refuses a token signed by a key not in the JWKS", async () => {
    const verifier = createAuthVerifier(config());
    const token = await sign(otherPrivateKey, { iss: issuer, aud: audience, sub: "mallory" });
    await expectUnauthorized(verifier.verifyToken(token), /signature/);
  });

  it("refuses the wrong audience, the wrong issuer and a token without subject", async () => {
    const verifier = createAuthVerifier(config());
    await expectUnauthorized(
      verifier.verifyToken(await sign(privateKey, { iss: issuer, aud: "api://other", sub: "a" })),
      /audience/,
    );
    await expectUnauthorized(
      verifier.verifyToken(await sign(privateKey, { iss: "https://evil.test", aud: audience, sub: "a" })),
      /issuer/,
    );
    await expectUnauthorized(
      verifier.verifyToken(await sign(privateKey, { iss: issuer, aud: audience })),
      /subject/,
    );
  });

  it("refuses a development token in oidc mode", async () => {
    const verifier = createAuthVerifier(config());
    await expectUnauthorized(verifier.verifyToken(await signDevelopmentToken(SECRET, "alice")), /algorithm/);
  });
});

describe("the admin role", () => {
  it("makes a development user an operator when the configured list names them", async () => {
    const verifier = createAuthVerifier({ mode: "development", secret: SECRET, admins: ["root", "ops"] });
    await expect(verifier.verifyToken(await signDevelopmentToken(SECRET, "ops"))).resolves.toEqual({
      userId: "ops",
      admin: true,
    });
    await expect(verifier.verifyToken(await signDevelopmentToken(SECRET, "alice"))).resolves.toEqual({
      userId: "alice",
    });
    // A role claim in a development token grants nothing: only the list does.
    const forged = await new SignJWT({ roles: ["Reports.Admin"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("mallory")
      .setIssuer("report-exports-dev")
      .setAudience("report-exports")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verifyToken(forged)).resolves.toEqual({ userId: "mallory" });
  });
});
