// Plain JavaScript: it runs in the standalone server, where there is no TypeScript loader.

/** True when a request target's path is valid percent-encoding (RFC 3986 §2.1) of UTF-8. */
export function isDecodablePath(target) {
  const path = (target ?? "/").split("?", 1)[0];
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Answers a request whose path cannot be decoded with a 400 problem body (RFC 9457) and
 * returns true; returns false, untouched, for any other request.
 */
export function rejectUndecodablePath(request, response) {
  if (isDecodablePath(request.url)) return false;
  const problem = {
    type: "/problems/bad-request",
    title: "Bad request",
    status: 400,
    code: "BAD_REQUEST",
    detail: "The path is not valid percent-encoding of UTF-8 (RFC 3986 §2.1).",
  };
  response.writeHead(400, {
    "content-type": "application/problem+json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  response.end(JSON.stringify(problem));
  return true;
}
