import { isFinalReportStatus, type TReportStatus } from "@reports/contracts";

/**
 * When to poll a report again. The first wait is the server's Retry-After; every poll that
 * shows no change waits 1.5× longer, up to a ceiling, and any change snaps back to the
 * server's pace. A final report is not polled at all.
 */
export interface PollPolicy {
  /** The server's Retry-After, in seconds. */
  baseSeconds: number;
  factor: number;
  maxSeconds: number;
}

export const DEFAULT_POLL_POLICY: Omit<PollPolicy, "baseSeconds"> = { factor: 1.5, maxSeconds: 30 };

export interface PollState {
  /** Identifies the observed result (TanStack's dataUpdatedAt): the same one is counted once. */
  observedAt: number;
  fingerprint: string | undefined;
  unchangedPolls: number;
}

export const INITIAL_POLL_STATE: PollState = { observedAt: -1, fingerprint: undefined, unchangedPolls: 0 };

/** The parts of a report whose change means "something is happening". */
export interface PolledReport {
  status: TReportStatus;
  updatedAt: string;
  progress?: { rowsWritten: number; totalRows: number | null } | undefined;
}

export function fingerprintReport(report: PolledReport): string {
  return [
    report.status,
    report.updatedAt,
    report.progress?.rowsWritten ?? "",
    report.progress?.totalRows ?? "",
  ].join("|");
}

/**
 * Folds one observed result into the state. Observing the same result again (TanStack
 * evaluates `refetchInterval` on every render-relevant change, not once per fetch) is a no-op.
 */
export function observePoll(
  state: PollState,
  observedAt: number,
  fingerprint: string | undefined,
): PollState {
  if (observedAt === state.observedAt) return state;
  if (state.fingerprint === undefined || fingerprint !== state.fingerprint) {
    return { observedAt, fingerprint, unchangedPolls: 0 };
  }
  return { observedAt, fingerprint, unchangedPolls: state.unchangedPolls + 1 };
}

/** Milliseconds until the next poll after `unchangedPolls` polls without a change. */
export function pollDelayMs(unchangedPolls: number, policy: PollPolicy): number {
  const base = Math.max(policy.baseSeconds, 0.5);
  const seconds = Math.min(base * policy.factor ** unchangedPolls, Math.max(policy.maxSeconds, base));
  return Math.round(seconds * 1000);
}

/**
 * A stateful `refetchInterval` for one report's query: `false` once final, otherwise the
 * backed-off delay. Errors count as "no change", so an unreachable server is not hammered.
 */
export function createReportPoller(policy: PollPolicy) {
  let state = INITIAL_POLL_STATE;
  return {
    next(query: {
      data: PolledReport | undefined;
      dataUpdatedAt: number;
      errorUpdatedAt: number;
    }): number | false {
      if (query.data && isFinalReportStatus(query.data.status)) return false;
      const observedAt = Math.max(query.dataUpdatedAt, query.errorUpdatedAt);
      const fingerprint = query.data ? fingerprintReport(query.data) : undefined;
      // An error after data keeps the fingerprint of the last data: it counts as unchanged.
      state = observePoll(
        state,
        observedAt,
        query.errorUpdatedAt > query.dataUpdatedAt ? (state.fingerprint ?? "error") : fingerprint,
      );
      return pollDelayMs(state.unchangedPolls, policy);
    },
    get state(): PollState {
      return state;
    },
  };
}
