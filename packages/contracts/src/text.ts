/**
 * True for text PostgreSQL can store and compare: well-formed UTF-16 (a lone surrogate has no
 * UTF-8 form; the driver would silently turn it into U+FFFD, so two different strings would
 * become one) and no NUL (which `text` and `jsonb` refuse: SQLSTATE 22021 / 22P05).
 */
export function isStorableText(value: string): boolean {
  return value.isWellFormed() && !value.includes("\u0000");
}

export const STORABLE_TEXT_MESSAGE = "must not contain NUL characters or unpaired surrogates";
