// The web app's entry point (container image, npm start): Next.js's standalone server.js,
// behind one guard Next.js lacks. Copied next to server.js by prepare-standalone.mjs.
//
// Next.js answers a request whose path is not valid percent-encoding (/reports/%E0%A4%A) with a
// bare 500 before any of the app's code runs (https://github.com/vercel/next.js/issues/92527).
// Such a path names no resource: this answers it with a 400 problem body instead, and hands
// every other request to Next.js untouched.
import http from "node:http";
import { rejectUndecodablePath } from "./undecodable-path.mjs";

const createServer = http.createServer;
http.createServer = function createGuardedServer(...args) {
  const index = args.findIndex((arg) => typeof arg === "function");
  if (index >= 0) {
    const listener = args[index];
    args[index] = function guardedListener(request, response) {
      if (rejectUndecodablePath(request, response)) return;
      return listener.call(this, request, response);
    };
  }
  return createServer.apply(this, args);
};

await import("./server.js");
