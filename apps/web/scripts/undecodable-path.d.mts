import type { IncomingMessage, ServerResponse } from "node:http";

export function isDecodablePath(target: string | undefined): boolean;
export function rejectUndecodablePath(request: IncomingMessage, response: ServerResponse): boolean;
