import type { Receiver, Sender } from "rhea";

/** rhea internals the server relies on; see the comments where they are used. */
export interface SenderInternals {
  _draining: boolean;
  _drained: boolean;
  _get_drain(): boolean;
  credit: number;
  delivery_count: number;
  issue_flow: boolean;
  session: { outgoing: { next_pending_delivery: number; deliveries: { available(): number } } };
  connection: { _register(): void };
  local: { attach: Record<string, unknown> };
}

export interface DeliveryInternals {
  id: number;
  link: Sender;
  settled: boolean;
  remote_settled: boolean;
  remote_state?: unknown;
  update(settled: boolean, state?: unknown): void;
}

/**
 * rhea answers an attach with a null source/target and default settle modes; the SDK needs
 * the client's terminus and both settle modes echoed back.
 */
export function echoAttach(link: Sender | Receiver): SenderInternals {
  link.set_source((link.source ?? {}) as never);
  link.set_target((link.target ?? {}) as never);
  const internals = link as unknown as SenderInternals;
  internals.local.attach.snd_settle_mode = link.snd_settle_mode;
  internals.local.attach.rcv_settle_mode = link.rcv_settle_mode;
  return internals;
}

/**
 * Makes a sending link answer a drain request only once `announceDrained` says so: rhea's own
 * check answers as soon as credit is left, before the messages just queued have taken theirs.
 */
export function drainOnlyWhenAnnounced(sender: Sender): void {
  const internals = sender as unknown as SenderInternals;
  internals._get_drain = function getDrain(this: SenderInternals) {
    if (this._draining && this._drained) {
      this.delivery_count += this.credit;
      this.credit = 0;
      this._drained = false;
      return true;
    }
    return false;
  };
}

/**
 * Gives whatever credit is left back in a flow with drain=true: receiveMessages() waits for that
 * flow. rhea only sends it when credit remains, hence the replaced check of `drainOnlyWhenAnnounced`,
 * which answers even when the credit was used up by messages still in flight.
 */
export function announceDrained(sender: Sender): void {
  const internals = sender as unknown as SenderInternals;
  internals._drained = true;
  internals.issue_flow = true;
  internals.connection._register();
}
