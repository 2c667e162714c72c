import { connect } from "node:net";

/** A body too large to keep in memory once per generated case: a chunk repeated, streamed when sent. */
export interface RepeatedBody {
  repeat: string;
  times: number;
}

/** One request, as the fuzz suite generates it. */
export interface WireRequest {
  method: string;
  /** Path and query, as sent (already encoded). */
  path: string;
  headers: Record<string, string>;
  body?: string | RepeatedBody | undefined;
  /**
   * Sent over a raw socket: `contentLength` is declared but only `body` is written before the
   * socket is half-closed (a truncated upload), or the body is sent chunked without a length.
   */
  raw?: { contentLength?: number; chunked?: boolean } | undefined;
}

export interface WireResponse {
  status: number;
  headers: Headers;
  /** The body as text (bounded: the suite never needs more than the first MiB). */
  text: string;
}

const MAX_RESPONSE_CHARS = 1 << 20;

export function bodyLength(body: WireRequest["body"]): number {
  if (body === undefined) return 0;
  if (typeof body === "string") return Buffer.byteLength(body);
  return Buffer.byteLength(body.repeat) * body.times;
}

function bodyStream(body: RepeatedBody): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(body.repeat);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= body.times) {
        controller.close();
        return;
      }
      // A few repetitions per pull keep the stream fast without building the whole body.
      const batch = Math.min(64, body.times - sent);
      const out = new Uint8Array(chunk.length * batch);
      for (let i = 0; i < batch; i++) out.set(chunk, i * chunk.length);
      sent += batch;
      controller.enqueue(out);
    },
  });
}

/**
 * Sends one request and reads the answer. A server that resets the connection while a large
 * upload is still being written (after answering 413 early) is fine: the answer, when there is
 * one, is what counts, and a missing answer is reported as status 0.
 */
export async function send(baseUrl: string, request: WireRequest, timeoutMs = 30_000): Promise<WireResponse> {
  if (request.raw) return sendRaw(baseUrl, request, timeoutMs);
  const body = request.body;
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method,
    headers: request.headers,
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  };
  if (body !== undefined) {
    if (typeof body === "string") {
      init.body = body;
    } else {
      init.body = bodyStream(body);
      init.duplex = "half";
    }
  }
  try {
    const response = await fetch(targetUrl(baseUrl, request.path), init);
    const text = await readBounded(response);
    return { status: response.status, headers: response.headers, text };
  } catch (err) {
    if (isTimeout(err))
      throw new Error(`${request.method} ${request.path}: no answer within ${timeoutMs} ms`);
    // The server may answer 413 and close while the client is still uploading: fetch then
    // fails with a socket error although an answer was written. Retry the same request
    // over a raw socket, which reads whatever the server wrote.
    if (body !== undefined && typeof body !== "string") return sendRaw(baseUrl, request, timeoutMs);
    throw err;
  }
}

/**
 * The URL of `path` on the server under test, and never anywhere else: a generated path such
 * as `//host/x` must not turn into a request to another host.
 */
export function targetUrl(baseUrl: string, path: string): URL {
  const base = new URL(baseUrl);
  const url = new URL(`${base.origin}${path.startsWith("/") ? path : `/${path}`}`);
  if (url.origin !== base.origin)
    throw new Error(`refusing to send ${JSON.stringify(path)} outside ${base.origin}`);
  return url;
}

function isTimeout(err: unknown): boolean {
  return err instanceof DOMException && (err.name === "TimeoutError" || err.name === "AbortError");
}

async function readBounded(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.length >= MAX_RESPONSE_CHARS) break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return text;
}

/**
 * HTTP/1.1 over a plain socket, for what fetch refuses to send: a Content-Length larger than
 * the body followed by a half-close (a truncated upload), or a chunked body. Reads until the
 * server closes or the timeout; parses only the status line, headers and the body text.
 */
export function sendRaw(baseUrl: string, request: WireRequest, timeoutMs: number): Promise<WireResponse> {
  const url = targetUrl(baseUrl, request.path);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port || 80) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRawResponse(Buffer.concat(chunks)));
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (chunks.length > 0) resolve(parseRawResponse(Buffer.concat(chunks)));
      else reject(new Error(`${request.method} ${request.path}: no answer within ${timeoutMs} ms (raw)`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // One response is all the suite reads; stop once it is complete.
      if (rawResponseComplete(Buffer.concat(chunks))) finish();
    });
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", () => finish());
    socket.on("connect", () => {
      const body = request.body;
      const text = body === undefined ? "" : typeof body === "string" ? body : body.repeat.repeat(body.times);
      const bytes = Buffer.from(text);
      const headers: Record<string, string> = { host: url.host, connection: "close", ...request.headers };
      if (request.raw?.chunked) headers["transfer-encoding"] = "chunked";
      else headers["content-length"] = String(request.raw?.contentLength ?? bytes.length);
      const head = `${request.method} ${url.pathname}${url.search} HTTP/1.1\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("")}\r\n`;
      socket.write(head);
      if (request.raw?.chunked) {
        // 4 KiB chunks, then the terminating zero-length chunk.
        for (let offset = 0; offset < bytes.length; offset += 4096) {
          const part = bytes.subarray(offset, offset + 4096);
          socket.write(`${part.length.toString(16)}\r\n`);
          socket.write(part);
          socket.write("\r\n");
        }
        socket.write("0\r\n\r\n");
      } else {
        socket.write(bytes);
        // A declared length longer than what was written: the upload stops short.
        if (request.raw?.contentLength !== undefined && request.raw.contentLength > bytes.length)
          socket.end();
      }
    });
  });
}

function headerEnd(buffer: Buffer): number {
  return buffer.indexOf("\r\n\r\n");
}

function rawResponseComplete(buffer: Buffer): boolean {
  const end = headerEnd(buffer);
  if (end < 0) return false;
  const head = buffer.subarray(0, end).toString("latin1");
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return buffer.length - end - 4 >= Number(length[1]);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return buffer.subarray(end).includes("\r\n0\r\n\r\n");
  return false;
}

function parseRawResponse(buffer: Buffer): WireResponse {
  const end = headerEnd(buffer);
  if (end < 0) return { status: 0, headers: new Headers(), text: "" };
  const [statusLine = "", ...lines] = buffer.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = buffer.subarray(end + 4);
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) body = decodeChunked(body);
  return { status, headers, text: body.toString("utf8").slice(0, MAX_RESPONSE_CHARS) };
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
