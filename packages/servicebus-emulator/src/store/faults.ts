import { randomInt } from "node:crypto";
import type { Entity, StoredMessage } from "./model.ts";

/**
 * Deliberate broker faults for testing consumers (off unless asked for). Service Bus delivers at
 * least once: a message can come again after its consumer completed it (a completion lost on the
 * way back, a broker failover). A consumer must make that harmless; these faults make it happen.
 */
export interface FaultOptions {
  /** Probability, 0 to 1, that a completed message is enqueued again as a new message; default 0. */
  redeliverCompletedProbability?: number;
  /** Seed of the random draws, for a reproducible run; default a random one (logged at start). */
  seed?: number;
}

export interface ResolvedFaultOptions {
  redeliverCompletedProbability: number;
  seed: number;
}

/** How many completed messages per queue are remembered for `redeliverCompleted`. */
export const COMPLETED_HISTORY = 100;

export function resolveFaultOptions(options: FaultOptions = {}): ResolvedFaultOptions {
  const probability = options.redeliverCompletedProbability ?? 0;
  if (!(probability >= 0 && probability <= 1)) {
    throw new Error(`redeliverCompletedProbability must be between 0 and 1, got ${probability}`);
  }
  const seed = options.seed ?? randomInt(2 ** 31);
  if (!Number.isSafeInteger(seed)) throw new Error(`the fault seed must be an integer, got ${seed}`);
  return { redeliverCompletedProbability: probability, seed };
}

/** Decides when a fault strikes, and remembers what it may need: the last completed messages. */
export class Faults {
  private readonly random: () => number;
  private readonly completed = new Map<Entity, StoredMessage[]>();

  constructor(readonly options: ResolvedFaultOptions) {
    this.random = mulberry32(options.seed);
  }

  /** Records a completion; true when the message is to be delivered again. */
  onCompleted(entity: Entity, message: StoredMessage): boolean {
    let history = this.completed.get(entity);
    if (!history) {
      history = [];
      this.completed.set(entity, history);
    }
    history.push(message);
    if (history.length > COMPLETED_HISTORY) history.shift();
    const probability = this.options.redeliverCompletedProbability;
    return probability > 0 && this.random() < probability;
  }

  /** The last `count` messages completed on `entity` since the start, oldest first. */
  lastCompleted(entity: Entity, count: number): StoredMessage[] {
    const history = this.completed.get(entity) ?? [];
    return count <= 0 ? [] : history.slice(-count);
  }
}

/** A small seeded generator (Mulberry32): the same seed gives the same sequence of draws. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
