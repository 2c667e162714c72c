/**
 * Why an identity-provider sign-in failed, as `/signin?error=<code>`; the page shows the
 * message. Codes rather than free text in the URL: anyone can send a link to
 * `/signin?error=...`, and the page must not display words an attacker chose.
 */
export const SIGN_IN_ERRORS = {
  provider_unavailable: "The identity provider could not be reached. Try again in a moment.",
  provider_misconfigured:
    "The identity provider's configuration cannot be used by this app. Ask an administrator to check the sign-in settings.",
  sign_in_expired: "The sign-in took too long, or was started in another tab or browser. Sign in again.",
  state_mismatch:
    "This answer from the identity provider does not belong to the sign-in started in this browser. Sign in again.",
  access_denied: "The sign-in was cancelled, or the identity provider refused access.",
  provider_refused: "The identity provider did not complete the sign-in. Sign in again.",
  token_rejected: "The identity provider refused to issue tokens for this sign-in. Sign in again.",
  id_token_invalid: "The identity provider's answer could not be verified. Sign in again.",
  access_token_invalid:
    "You signed in, but this app does not accept the access token it received. Ask an administrator to check AUTH_OIDC_SCOPES, AUTH_AUDIENCE and AUTH_API_SCOPE.",
  token_too_large:
    "You signed in, but the access token is too large to keep in a browser cookie. Ask an administrator to trim its claims (e.g. group claims).",
  unexpected: "The sign-in failed unexpectedly. Try again; if it keeps failing, contact an administrator.",
} as const;

export type TSignInErrorCode = keyof typeof SIGN_IN_ERRORS;

/** The message for an `error` query value; an unknown code gets the generic message. */
export function describeSignInError(code: string): string {
  return Object.hasOwn(SIGN_IN_ERRORS, code)
    ? SIGN_IN_ERRORS[code as TSignInErrorCode]
    : SIGN_IN_ERRORS.unexpected;
}
