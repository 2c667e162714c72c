import { MAX_REQUEST_BODY_BYTES } from "@reports/contracts";

export interface BodyLimitErrors {
  /** The body is (or declares itself) larger than the limit. */
  tooLarge(): Error;
  /** The body ended before the length its Content-Length declared. */
  truncated(): Error;
}

/** The Content-Length a request declares, when it declares a valid one. */
function declaredLength(request: Request): number | undefined {
  const header = request.headers.get("content-length");
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/**
 * The request's body as a stream that fails (with `errors.tooLarge()`) as soon as more than
 * `maxBytes` have arrived, before anything larger is buffered, and (with `errors.truncated()`)
 * when it ends short of its declared Content-Length: a client that stops uploading half-way
 * must not have half a body taken for the whole. Undefined when the request has no body.
 */
export function limitBody(
  request: Request,
  errors: BodyLimitErrors,
  maxBytes = MAX_REQUEST_BODY_BYTES,
): ReadableStream<Uint8Array> | undefined {
  if (!request.body) return undefined;
  const declared = declaredLength(request);
  if (declared !== undefined && declared > maxBytes) {
    // Refused without reading a byte of it.
    return new ReadableStream({ start: (controller) => controller.error(errors.tooLarge()) });
  }
  let received = 0;
  return request.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        received += chunk.byteLength;
        if (received > maxBytes) controller.error(errors.tooLarge());
        else controller.enqueue(chunk);
      },
      flush(controller) {
        if (declared !== undefined && received < declared) controller.error(errors.truncated());
      },
    }),
  );
}

/** Reads a whole (limited) body into memory: at most `maxBytes`. */
export async function readLimitedBody(
  request: Request,
  errors: BodyLimitErrors,
  maxBytes = MAX_REQUEST_BODY_BYTES,
): Promise<Uint8Array> {
  const body = limitBody(request, errors, maxBytes);
  if (!body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
