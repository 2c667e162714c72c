/** One delivery a worker is handling now, as its heartbeat reports it. */
export interface RunningDelivery {
  reportId: string;
  messageId: string | null;
  since: string;
}

/** The deliveries this process is handling, keyed by lock token or message id. */
export function createRunningDeliveries() {
  const running = new Map<string, RunningDelivery>();
  return {
    add(key: string, delivery: RunningDelivery) {
      running.set(key, delivery);
    },
    delete(key: string) {
      running.delete(key);
    },
    list(): RunningDelivery[] {
      return [...running.values()];
    },
  };
}
export type RunningDeliveries = ReturnType<typeof createRunningDeliveries>;
