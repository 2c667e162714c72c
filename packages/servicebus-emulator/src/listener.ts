import { createServer, type Server, type Socket } from "node:net";
import { Duplex, PassThrough } from "node:stream";
import type { Logger } from "pino";

/** The first byte of a TLS record carrying a handshake (a ClientHello, here). */
const TLS_HANDSHAKE = 0x16;
/** Every AMQP connection opens with the protocol header `AMQP` (then the protocol id and version). */
const AMQP_HEADER = Buffer.from("AMQP");

export interface ListenerRoutes {
  /** Takes over a socket that opened with the AMQP protocol header. */
  amqp(socket: Socket): void;
  /** Takes over a connection that opened with a TLS handshake (the SDK's administration client). */
  tls(stream: Duplex): void;
  /** Takes over everything else, as plain HTTP (administration clients that skip TLS for emulators). */
  http(stream: Duplex): void;
}

/**
 * One TCP port for everything the SDK addresses with one connection string: AMQP for messaging,
 * and HTTPS (or HTTP) for the administration client, which sends its requests to the host and
 * port of the connection string's endpoint. The first bytes a client sends tell them apart.
 */
export class Listener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly routes: ListenerRoutes,
    private readonly log: Logger,
  ) {}

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((socket) => this.route(socket));
      this.server = server;
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        server.on("error", (err) => this.log.error({ err }, "listener error"));
        const address = server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await closed;
  }

  private route(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", (err) => this.log.debug({ err }, "socket error"));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      const head = first.subarray(0, AMQP_HEADER.length);
      if (head.equals(AMQP_HEADER.subarray(0, head.length))) {
        // rhea reads through 'data' events, which see what is unshifted back into the stream
        socket.unshift(first);
        this.routes.amqp(socket);
        socket.resume();
      } else if (first[0] === TLS_HANDSHAKE) {
        this.routes.tls(replayFirst(socket, first));
      } else {
        this.routes.http(replayFirst(socket, first));
      }
    });
  }
}

/**
 * The socket as a plain stream that starts with the chunk already read from it. A TLS server reads
 * a net.Socket through its native handle, past anything unshifted back into the stream, and the
 * HTTP server takes the same shortcut where it can.
 */
function replayFirst(socket: Socket, first: Buffer): Duplex {
  const readable = new PassThrough();
  readable.write(first);
  socket.pipe(readable);
  const stream = Duplex.from({ readable, writable: socket });
  stream.on("close", () => socket.destroy());
  return stream;
}
