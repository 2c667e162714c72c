import { z } from "zod";

/** What a development user name may hold, in words (the sign-in form's hint, the token script's usage). */
export const USER_NAME_RULE = "Letters, digits and . _ @ -, at most 64 characters";

/**
 * A user name of the local stack's development sign-in: the sign-in form and
 * `npm run token` take it, and it becomes the token's subject, the owner of the reports.
 * One rule for both, so a token can name only a user the form could sign in.
 */
export const ZDevelopmentUserName = z
  .string()
  .trim()
  .min(1, "Enter a user name.")
  .max(64, "Use at most 64 characters.")
  .regex(/^[A-Za-z0-9._@-]+$/, "Use letters, digits and . _ @ - only.");
export type TDevelopmentUserName = z.infer<typeof ZDevelopmentUserName>;
