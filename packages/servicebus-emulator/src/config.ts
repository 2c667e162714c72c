import { readFile } from "node:fs/promises";
import type { QueueOptions } from "./options.ts";

const DURATION_KEYS = [
  "lockDurationMs",
  "defaultMessageTimeToLiveMs",
  "duplicateDetectionHistoryTimeWindowMs",
] as const;
const NUMBER_KEYS = ["maxDeliveryCount", "maxMessageSizeInBytes"] as const;
const BOOLEAN_KEYS = ["deadLetteringOnMessageExpiration", "requiresDuplicateDetection"] as const;

/** What a config file may hold: queues, and optionally where to listen and store. */
export interface EmulatorConfigFile {
  queues: QueueOptions[];
  port?: number;
  host?: string;
  dataDir?: string;
}

/**
 * Milliseconds from a number (taken as ms) or an ISO-8601 duration such as `PT30S`, `PT1M30S`,
 * `P14D` or `P1DT2H`; years and months are refused because their length varies.
 */
export function parseDuration(value: unknown, what: string): number {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === "string") {
    const match =
      /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
        value.trim(),
      );
    if (match && value.trim().length > 1 && !/T$/i.test(value.trim())) {
      const [, weeks, days, hours, minutes, seconds] = match.map((part) => Number(part ?? 0));
      return Math.round(
        ((((weeks ?? 0) * 7 + (days ?? 0)) * 24 + (hours ?? 0)) * 60 + (minutes ?? 0)) * 60_000 +
          (seconds ?? 0) * 1000,
      );
    }
  }
  throw new Error(
    `${what}: expected milliseconds or an ISO-8601 duration like "PT30S", got ${JSON.stringify(value)}`,
  );
}

/** Milliseconds as the ISO-8601 duration Service Bus writes (`PT30S`, `PT10M`, `P14D`, `PT1.5S`). */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let text = days > 0 ? `P${days}D` : "P";
  if (hours > 0 || minutes > 0 || seconds > 0 || days === 0) {
    text += "T";
    if (hours > 0) text += `${hours}H`;
    if (minutes > 0) text += `${minutes}M`;
    if (seconds > 0 || (hours === 0 && minutes === 0)) text += `${seconds}S`;
  }
  return text;
}

/** Validates one queue entry of a config file, converting durations to milliseconds. */
export function parseQueueConfig(raw: unknown, index: number): QueueOptions {
  const where = `queues[${index}]`;
  if (typeof raw === "string") return { name: raw };
  if (typeof raw !== "object" || raw === null)
    throw new Error(`${where}: expected a queue name or an object`);
  const entry = raw as Record<string, unknown>;
  if (typeof entry.name !== "string" || entry.name.length === 0)
    throw new Error(`${where}.name: required string`);
  const known = new Set<string>(["name", ...DURATION_KEYS, ...NUMBER_KEYS, ...BOOLEAN_KEYS]);
  for (const key of Object.keys(entry)) {
    if (!known.has(key))
      throw new Error(`${where}.${key}: unknown setting (known: ${[...known].join(", ")})`);
  }
  const queue: QueueOptions = { name: entry.name };
  for (const key of DURATION_KEYS) {
    if (entry[key] !== undefined) queue[key] = parseDuration(entry[key], `${where}.${key}`);
  }
  for (const key of NUMBER_KEYS) {
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new Error(`${where}.${key}: expected a positive integer`);
    }
    queue[key] = value;
  }
  for (const key of BOOLEAN_KEYS) {
    const value = entry[key];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new Error(`${where}.${key}: expected true or false`);
    queue[key] = value;
  }
  return queue;
}

export function parseConfig(json: unknown, source: string): EmulatorConfigFile {
  if (typeof json !== "object" || json === null) throw new Error(`${source}: expected a JSON object`);
  const config = json as Record<string, unknown>;
  const queues = config.queues ?? [];
  if (!Array.isArray(queues)) throw new Error(`${source}: "queues" must be an array`);
  const result: EmulatorConfigFile = {
    queues: queues.map((queue, index) => parseQueueConfig(queue, index)),
  };
  if (config.port !== undefined) {
    if (typeof config.port !== "number" || !Number.isInteger(config.port))
      throw new Error(`${source}: "port" must be an integer`);
    result.port = config.port;
  }
  if (config.host !== undefined) {
    if (typeof config.host !== "string") throw new Error(`${source}: "host" must be a string`);
    result.host = config.host;
  }
  if (config.dataDir !== undefined) {
    if (typeof config.dataDir !== "string") throw new Error(`${source}: "dataDir" must be a string`);
    result.dataDir = config.dataDir;
  }
  return result;
}

export async function readConfigFile(file: string): Promise<EmulatorConfigFile> {
  const text = await readFile(file, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(json, file);
}
