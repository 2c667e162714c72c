import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { loadTlsIdentity, type TlsIdentity } from "./certificate.ts";

export interface AdminEndpointOptions {
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  host: string;
  dataDir?: string;
  given?: TlsIdentity;
  log: Logger;
}

/**
 * The HTTP and HTTPS servers of the administration API, fed connections by the listener. The
 * certificate is loaded or made by `prepare()`, or else on the first TLS connection or call of
 * `certificate()`: making one costs a few hundred milliseconds, wasted on runs nobody asks.
 */
export class AdminEndpoint {
  private readonly http;
  private https: Promise<HttpsServer> | undefined;
  private identity: Promise<TlsIdentity> | undefined;

  constructor(private readonly options: AdminEndpointOptions) {
    this.http = createHttpServer(options.handler);
  }

  /** Loads or makes the certificate now (with a data directory it must be on disk from the start). */
  prepare(): Promise<TlsIdentity> {
    const { host, dataDir, given, log } = this.options;
    this.identity ??= loadTlsIdentity({ host, dataDir, given, log });
    return this.identity;
  }

  /** The PEM certificate served over HTTPS. */
  async certificate(): Promise<string> {
    return (await this.prepare()).cert;
  }

  serveHttp(stream: Duplex): void {
    this.http.emit("connection", stream);
  }

  serveTls(stream: Duplex): void {
    // node:https (and tls) load only when a TLS client comes: most runs never see one
    this.https ??= Promise.all([this.prepare(), import("node:https")]).then(([identity, https]) =>
      https.createServer({ cert: identity.cert, key: identity.key }, this.options.handler),
    );
    this.https.then(
      (server) => server.emit("connection", stream),
      (err: unknown) => {
        this.options.log.error({ err }, "no TLS certificate for the administration API");
        stream.destroy();
      },
    );
  }
}
