import { serializeSessionCookie } from "../../../../lib/session.ts";
import { getDeps } from "../../../../server/deps.ts";
import { getWebEnv } from "../../../../server/env.ts";
import {
  getOidcContext,
  redirectResponse,
  SIGNED_OUT_LOCATION,
  signOutLocation,
} from "../../../../server/oidc-sign-in.ts";
import { isCrossSite } from "../request-checks.ts";

export const dynamic = "force-dynamic";

// POST /api/session/sign-out – ends the dashboard session (clears the cookie), and the identity
// provider's session too when it advertises an end-session endpoint
export async function POST(request: Request): Promise<Response> {
  if (isCrossSite(request)) return new Response("Forbidden", { status: 403 });
  const context = getOidcContext(getWebEnv());
  const location = context ? await signOutLocation(context, getDeps().log) : SIGNED_OUT_LOCATION;
  // Both names: whether this request looks https says nothing certain about how the session
  // was set (the sign-in decides by PUBLIC_URL; a proxy may not send x-forwarded-proto).
  const cookies = [true, false].map((secure) => serializeSessionCookie(null, { secure }));
  return redirectResponse({ location, cookies });
}
