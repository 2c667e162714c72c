/** Messages between `npm start` (main.ts) and the supervisor it starts, over Node's IPC channel. */
export type SupervisorMessage =
  /** main.ts → supervisor: stop the stack in order (the signal main.ts received). */
  | { type: "stop"; signal: string }
  /** main.ts → supervisor: a second signal; stop everything now. */
  | { type: "stop-now" }
  /** supervisor → main.ts: a process group it started, to stop should the supervisor die. */
  | { type: "process-group"; name: string; pid: number }
  /** supervisor → main.ts: the stack is ready. */
  | { type: "ready"; webUrl: string };

/**
 * Whether the stack's output may carry colour: when it goes to a terminal, unless NO_COLOR
 * (no-color.org) says otherwise; FORCE_COLOR forces it. A log written to a file or a pipe
 * gets none.
 */
export function wantsColour(env: Record<string, string | undefined>, isTerminal: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  return isTerminal;
}
