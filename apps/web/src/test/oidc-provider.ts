import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

/** A token request the provider received, as it saw it. */
export interface TokenRequest {
  params: Record<string, string>;
  outcome: "issued" | "refused";
  error?: string;
  /** What an issued response carried. */
  tokens?: { idToken: string; accessToken: string };
}

/** How the next token response misbehaves (each test sets what it needs). */
export interface ProviderQuirks {
  /** Put this nonce in the ID token instead of the one from /authorize. */
  idTokenNonce?: string;
  /** Access token audience instead of the configured one. */
  accessTokenAudience?: string;
  /** Claims merged into the access token (undefined removes one, e.g. `{ scp: undefined }`). */
  accessTokenClaims?: Record<string, unknown>;
  /** Answer with the ID token in place of the access token. */
  idTokenAsAccessToken?: boolean;
  /** Who /authorize signs in when the request has no login_hint (default alice). */
  userId?: string;
}

/** The API scope the provider grants, as `AUTH_API_SCOPE` expects by default. */
export const TEST_API_SCOPE = "Reports.ReadWrite";

export interface TestOidcProvider {
  /** The issuer: also the base URL (discovery at `<issuer>/.well-known/openid-configuration`). */
  issuer: string;
  jwksUrl: string;
  clientId: string;
  audience: string;
  tokenRequests: TokenRequest[];
  quirks: ProviderQuirks;
  /**
   * What the browser would do at /authorize for `userId`: the redirect URI with code and
   * state (the provider's answer's Location header).
   */
  authorize(authorizationUrl: string, userId: string): Promise<string>;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | undefined;
  userId: string;
}

/**
 * A tiny OpenID provider for tests (node:http on a free port): discovery, JWKS of a fresh
 * key pair (RS256 unless told), /authorize that signs in whoever `login_hint` (or `quirks.userId`) names
 * and redirects back
 * with a code, /token that checks the client, redirect URI and PKCE verifier and answers
 * with a signed ID token and access token, and an end-session endpoint.
 */
export async function startTestOidcProvider(options: {
  clientId: string;
  audience: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  /** The JWS algorithm of its key, its tokens and its discovery document (default RS256). */
  algorithm?: string;
}): Promise<TestOidcProvider> {
  const algorithm = options.algorithm ?? "RS256";
  const { privateKey, publicKey } = await generateKeyPair(algorithm);
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: "test-key", alg: algorithm, use: "sig" };
  const codes = new Map<string, PendingCode>();
  const tokenRequests: TokenRequest[] = [];
  const quirks: ProviderQuirks = {};
  let issuer = "";

  function json(response: ServerResponse, status: number, body: unknown) {
    response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    response.end(JSON.stringify(body));
  }

  async function readForm(request: IncomingMessage): Promise<Record<string, string>> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
  }

  function sign(claims: Record<string, unknown>, subject: string, audience: string): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: algorithm, kid: "test-key", typ: "JWT" })
      .setIssuer(issuer)
      .setSubject(subject)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
  }

  async function token(request: IncomingMessage, response: ServerResponse) {
    const params = await readForm(request);
    const refuse = (error: string, description: string) => {
      tokenRequests.push({ params, outcome: "refused", error });
      json(response, 400, { error, error_description: description });
    };
    if (params.grant_type !== "authorization_code") return refuse("unsupported_grant_type", "code only");
    const pending = codes.get(params.code ?? "");
    // A code is good for one attempt (RFC 6749 §4.1.2), whatever its outcome.
    codes.delete(params.code ?? "");
    if (!pending) return refuse("invalid_grant", "unknown or used code");
    if (params.client_id !== pending.clientId) return refuse("invalid_client", "client mismatch");
    if (params.redirect_uri !== pending.redirectUri) return refuse("invalid_grant", "redirect_uri mismatch");
    const challenge = createHash("sha256")
      .update(params.code_verifier ?? "", "ascii")
      .digest("base64url");
    if (challenge !== pending.codeChallenge) return refuse("invalid_grant", "PKCE verification failed");
    const idToken = await sign(
      { nonce: quirks.idTokenNonce ?? pending.nonce, name: pending.userId },
      pending.userId,
      pending.clientId,
    );
    const accessToken = await sign(
      { scp: TEST_API_SCOPE, ...quirks.accessTokenClaims },
      pending.userId,
      quirks.accessTokenAudience ?? options.audience,
    );
    const tokens = { idToken, accessToken: quirks.idTokenAsAccessToken ? idToken : accessToken };
    tokenRequests.push({ params, outcome: "issued", tokens });
    json(response, 200, {
      token_type: "Bearer",
      expires_in: 3600,
      access_token: tokens.accessToken,
      id_token: idToken,
      scope: "openid profile",
    });
  }

  function authorizeRequest(url: URL, response: ServerResponse) {
    const params = url.searchParams;
    const redirectUri = params.get("redirect_uri") ?? "";
    if (params.get("client_id") !== options.clientId || !options.redirectUris.includes(redirectUri)) {
      // Never redirect to an unregistered URI: answer the browser directly.
      response.writeHead(400, { "content-type": "text/plain" });
      response.end("unknown client or redirect URI");
      return;
    }
    const back = new URL(redirectUri);
    const state = params.get("state");
    if (state) back.searchParams.set("state", state);
    if (params.get("response_type") !== "code" || params.get("code_challenge_method") !== "S256") {
      back.searchParams.set("error", "invalid_request");
    } else {
      const code = randomBytes(16).toString("hex");
      codes.set(code, {
        clientId: options.clientId,
        redirectUri,
        codeChallenge: params.get("code_challenge") ?? "",
        nonce: params.get("nonce") ?? undefined,
        userId: params.get("login_hint") ?? quirks.userId ?? "alice",
      });
      back.searchParams.set("code", code);
      back.searchParams.set("iss", issuer);
    }
    response.writeHead(302, { location: back.toString() });
    response.end();
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", issuer);
    const route = `${request.method} ${url.pathname}`;
    const handle = async () => {
      switch (route) {
        case "GET /.well-known/openid-configuration":
          return json(response, 200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            end_session_endpoint: `${issuer}/logout`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: [algorithm],
            code_challenge_methods_supported: ["S256"],
          });
        case "GET /jwks":
          return json(response, 200, { keys: [publicJwk] });
        case "GET /authorize":
          return authorizeRequest(url, response);
        case "POST /token":
          return token(request, response);
        case "GET /logout": {
          // RP-Initiated Logout: back to the client's post-logout URI when it is registered.
          const back = url.searchParams.get("post_logout_redirect_uri") ?? "";
          if (
            url.searchParams.get("client_id") !== options.clientId ||
            !options.postLogoutRedirectUris?.includes(back)
          ) {
            response.writeHead(200, { "content-type": "text/plain" }).end("You are signed out.");
            return;
          }
          response.writeHead(302, { location: back }).end();
          return;
        }
        default:
          response.writeHead(404).end();
      }
    };
    handle().catch((err: unknown) => {
      response.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    jwksUrl: `${issuer}/jwks`,
    clientId: options.clientId,
    audience: options.audience,
    tokenRequests,
    quirks,
    async authorize(authorizationUrl, userId) {
      const url = new URL(authorizationUrl);
      url.searchParams.set("login_hint", userId);
      const response = await fetch(url, { redirect: "manual" });
      const location = response.headers.get("location");
      if (response.status !== 302 || !location) {
        throw new Error(`/authorize answered ${response.status}: ${await response.text()}`);
      }
      return location;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
