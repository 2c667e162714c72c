import { serializeSessionCookie } from "../../../../lib/session.ts";
import { getDeps } from "../../../../server/deps.ts";
import { getWebEnv } from "../../../../server/env.ts";
import {
  getOidcContext,
  redirectResponse,
  SIGNED_OUT_LOCATION,
  signOutLocation,
} from "../../../../server/oidc-sign-in.ts";
import { isCrossSite, wantsSecureCookie } from "../request-checks.ts";

export const dynamic = "force-dynamic";

// POST /api/session/sign-out – ends the dashboard session (clears the cookie), and the identity
// provider's session too when it advertises an end-session endpoint
export async function POST(request: Request): Promise<Response> {
  if (isCrossSite(request)) return new Response("Forbidden", { status: 403 });
  const env = getWebEnv();
  const secure = wantsSecureCookie(request, env.APP_ENV === "production");
  const context = getOidcContext(env);
  const location = context ? await signOutLocation(context, getDeps().log) : SIGNED_OUT_LOCATION;
  return redirectResponse({ location, cookies: [serializeSessionCookie(null, { secure })] });
}
