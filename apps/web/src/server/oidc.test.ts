import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseConfig } from "@reports/runtime";
import { Configuration } from "openid-client";
import { afterEach, describe, expect, it } from "vitest";
import { describeSignInError, SIGN_IN_ERRORS } from "../lib/session-errors.ts";
import { ENTRA_PRODUCTION_ENV } from "../test/web-env.ts";
import { ZWebEnv } from "./env.ts";
import {
  buildAuthorizationUrl,
  clearOidcCaches,
  deriveProviderName,
  discoverOidc,
  OidcSignInError,
  resolveOidcSettings,
} from "./oidc.ts";
import {
  computeState,
  createOidcTransaction,
  OIDC_TRANSACTION_TTL_SECONDS,
  openOidcTransaction,
  transactionCookieName,
} from "./oidc-transaction.ts";

const OIDC_ENV = ENTRA_PRODUCTION_ENV;

function expectSignInError(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OidcSignInError);
    expect((err as OidcSignInError).code).toBe(code);
    return;
  }
  throw new Error(`expected OidcSignInError ${code}`);
}

describe("resolveOidcSettings", () => {
  it("derives the redirect URI from PUBLIC_URL and asks Entra for an access token of AUTH_AUDIENCE", () => {
    const settings = resolveOidcSettings(parseConfig(ZWebEnv, OIDC_ENV));
    expect(settings).toMatchObject({
      redirectUri: "https://reports.example.com/api/session/callback",
      postLogoutRedirectUri: "https://reports.example.com/signin/signed-out",
      scopes: "openid profile 6e2b1a7c-0000-4000-8000-000000000001/.default",
      providerName: "Microsoft",
    });
  });

  it("takes explicit scopes and provider name as given", () => {
    const settings = resolveOidcSettings(
      parseConfig(ZWebEnv, {
        ...OIDC_ENV,
        AUTH_OIDC_SCOPES: "openid profile reports:read",
        AUTH_OIDC_PROVIDER_NAME: "Contoso",
      }),
    );
    expect(settings.scopes).toBe("openid profile reports:read");
    expect(settings.providerName).toBe("Contoso");
  });

  it("names Entra issuers Microsoft and any other by its host", () => {
    expect(deriveProviderName("https://login.microsoftonline.com/t/v2.0")).toBe("Microsoft");
    expect(deriveProviderName("https://contoso.ciamlogin.com/t/v2.0")).toBe("Microsoft");
    expect(deriveProviderName("https://id.example.org/realms/main")).toBe("id.example.org");
  });
});

describe("PKCE and the transaction cookie", () => {
  it("sends the RFC 7636 appendix B S256 challenge of the verifier, the state and the nonce", async () => {
    const settings = resolveOidcSettings(parseConfig(ZWebEnv, OIDC_ENV));
    const configuration = new Configuration(
      {
        issuer: settings.issuer,
        authorization_endpoint: "https://login.microsoftonline.com/tenant/oauth2/v2.0/authorize",
      },
      settings.clientId,
    );
    const url = new URL(
      await buildAuthorizationUrl(configuration, settings, {
        state: "s".repeat(43),
        nonce: "n".repeat(43),
        codeVerifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: settings.clientId,
      response_type: "code",
      redirect_uri: settings.redirectUri,
      scope: settings.scopes,
      state: "s".repeat(43),
      nonce: "n".repeat(43),
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
  });

  it("binds the state to the cookie and opens a transaction only with its own state", () => {
    const transaction = createOidcTransaction();
    expect(transaction.state).toBe(computeState(transaction.cookieValue));
    expect(transaction.codeVerifier).toMatch(/^[\w-]{43,128}$/);
    expect(openOidcTransaction(transaction.cookieValue, transaction.state)).toEqual({
      codeVerifier: transaction.codeVerifier,
      nonce: transaction.nonce,
    });
    const other = createOidcTransaction();
    expectSignInError(() => openOidcTransaction(transaction.cookieValue, other.state), "state_mismatch");
    expectSignInError(() => openOidcTransaction(transaction.cookieValue, null), "state_mismatch");
  });

  it("refuses a cookie edited to carry another nonce, even with a state recomputed for it", () => {
    const transaction = createOidcTransaction();
    const edited = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(transaction.cookieValue, "base64url").toString()),
        nonce: "attacker-chosen-nonce-value",
      }),
    ).toString("base64url");
    expectSignInError(() => openOidcTransaction(edited, transaction.state), "state_mismatch");
    // Recomputing the state only helps the editor's own browser: the nonce and verifier
    // still have to match what the provider issued for this very authorization.
    expect(openOidcTransaction(edited, computeState(edited)).nonce).toBe("attacker-chosen-nonce-value");
    expectSignInError(
      () => openOidcTransaction("not-base64-json", computeState("not-base64-json")),
      "state_mismatch",
    );
  });

  it("expires a transaction after ten minutes, and without a cookie asks to start again", () => {
    const now = Math.floor(Date.now() / 1000);
    const old = createOidcTransaction(now - OIDC_TRANSACTION_TTL_SECONDS - 1);
    expectSignInError(() => openOidcTransaction(old.cookieValue, old.state, now), "sign_in_expired");
    expectSignInError(() => openOidcTransaction(null, old.state, now), "sign_in_expired");
  });

  it("uses a __Host- cookie whenever it can be Secure", () => {
    expect(transactionCookieName(true)).toBe("__Host-reports_oidc");
    expect(transactionCookieName(false)).toBe("reports_oidc");
  });
});

describe("discoverOidc", () => {
  let server: Server | undefined;
  afterEach(async () => {
    clearOidcCaches();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("gives up after its timeout with a provider_unavailable error that says so", async () => {
    const issuer = await serve(() => {
      // never answers
    });
    const error = await discoverOidc({ issuer, clientId: "c" }, { timeoutMs: 200 }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(OidcSignInError);
    expect(error).toMatchObject({ code: "provider_unavailable" });
    expect((error as Error).message).toContain("no answer within 200 ms");
  });

  it("refuses a document naming another issuer, and caches only success", async () => {
    let requests = 0;
    const issuer = await serve((_request, response) => {
      requests += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          issuer:
            requests === 1
              ? "https://evil.example"
              : `http://127.0.0.1:${(server!.address() as AddressInfo).port}`,
          authorization_endpoint: "https://idp.example/authorize",
          token_endpoint: "https://idp.example/token",
          jwks_uri: "https://idp.example/jwks",
        }),
      );
    });
    await expect(discoverOidc({ issuer, clientId: "c" })).rejects.toMatchObject({
      code: "provider_misconfigured",
    });
    const first = await discoverOidc({ issuer, clientId: "c" });
    const second = await discoverOidc({ issuer, clientId: "c" });
    expect(second).toBe(first);
    expect(requests).toBe(2);
  });

  it("reports an unreachable provider", async () => {
    const issuer = await serve(() => {});
    await new Promise((resolve) => server!.close(resolve));
    await expect(discoverOidc({ issuer, clientId: "c" })).rejects.toMatchObject({
      code: "provider_unavailable",
    });
  });
});

describe("sign-in error messages", () => {
  it("shows a message for every code and a generic one for anything else", () => {
    for (const code of Object.keys(SIGN_IN_ERRORS)) expect(describeSignInError(code)).toMatch(/\.$/);
    expect(describeSignInError("Your account is locked, call 555-0100")).toBe(SIGN_IN_ERRORS.unexpected);
    expect(describeSignInError("toString")).toBe(SIGN_IN_ERRORS.unexpected);
  });
});
