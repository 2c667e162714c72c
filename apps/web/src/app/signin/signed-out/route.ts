import { SIGNED_OUT_LOCATION } from "../../../server/oidc-sign-in.ts";

export const dynamic = "force-dynamic";

// GET /signin/signed-out – where the identity provider returns the browser after signing out
// (registered as post-logout redirect URI, so it cannot carry a query of its own)
export function GET(): Response {
  return new Response(null, {
    status: 303,
    headers: { location: SIGNED_OUT_LOCATION, "cache-control": "no-store" },
  });
}
