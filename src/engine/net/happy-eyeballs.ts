import type { LookupAddress } from 'node:dns';
import type { Socket } from 'node:net';

/** RFC 8305 §5: the recommended Connection Attempt Delay. */
export const ATTEMPT_DELAY_MS = 250;

/** What a race reports to its owner (a connection). */
export interface RaceHandler {
  /** Opens a socket to `address` (the connector is the only place that does). */
  open(address: LookupAddress): Socket;
  /** An attempt to `address` starts: errors and timeouts from here on name it. */
  attempting(address: LookupAddress): void;
  /** `socket` connected first; every other attempt is already closed. */
  won(socket: Socket, address: LookupAddress): void;
  /**
   * Every attempt failed (`err` is the last one's), or one failed for want of a file descriptor
   * (EMFILE/ENFILE: trying other addresses would only fail the same way).
   */
  lost(err: NodeJS.ErrnoException, address: LookupAddress): void;
}

/**
 * RFC 8305 §4: alternate the families, starting with IPv6 when the name has any, so that one
 * family that does not work costs one attempt delay, not one per address.
 */
export function interleave(addresses: readonly LookupAddress[]): LookupAddress[] {
  const v6 = addresses.filter((a) => a.family === 6);
  const v4 = addresses.filter((a) => a.family !== 6);
  const out: LookupAddress[] = [];
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    if (i < v6.length) out.push(v6[i]!);
    if (i < v4.length) out.push(v4[i]!);
  }
  return out;
}

/**
 * Happy Eyeballs (RFC 8305 §5): connection attempts to a name's addresses, started one after
 * another — the next when the previous fails or after {@link ATTEMPT_DELAY_MS} — all left
 * running until one connects. The first to connect wins; the others are destroyed. The race has
 * no deadline of its own: the connect timeout covers it, and ends it with {@link cancel}.
 */
export class ConnectRace {
  private readonly order: readonly LookupAddress[];
  private readonly live = new Map<Socket, LookupAddress>();
  private nextIndex = 0;
  private timer: NodeJS.Timeout | null = null;
  private finished = false;

  constructor(
    addresses: readonly LookupAddress[],
    private readonly handler: RaceHandler,
    private readonly delayMs: number = ATTEMPT_DELAY_MS,
  ) {
    // One address (an IP literal, most pinned names) has nothing to interleave.
    this.order = addresses.length === 1 ? addresses : interleave(addresses);
  }

  start(): void {
    this.startNext();
  }

  /** Closes every attempt still running; the handler hears nothing more. */
  cancel(): void {
    this.finished = true;
    this.clearTimer();
    for (const socket of this.live.keys()) socket.destroy();
    this.live.clear();
  }

  private startNext(): void {
    const address = this.order[this.nextIndex++];
    if (address === undefined) return;
    this.clearTimer();
    this.handler.attempting(address);
    const socket = this.handler.open(address);
    this.live.set(socket, address);
    const onError = (err: NodeJS.ErrnoException): void => this.failed(socket, address, err);
    socket.on('error', onError);
    socket.once('connect', () => {
      if (this.finished) return;
      socket.off('error', onError);
      this.live.delete(socket);
      this.cancel();
      this.handler.won(socket, address);
    });
    if (this.nextIndex < this.order.length) {
      this.timer = setTimeout(() => {
        this.timer = null;
        if (!this.finished) this.startNext();
      }, this.delayMs);
      // The sockets keep the process alive while the race runs; this timer must not on its own.
      this.timer.unref();
    }
  }

  private failed(socket: Socket, address: LookupAddress, err: NodeJS.ErrnoException): void {
    if (this.finished || !this.live.has(socket)) return;
    this.live.delete(socket);
    socket.destroy();
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      this.cancel();
      this.handler.lost(err, address);
      return;
    }
    if (this.nextIndex < this.order.length) {
      // RFC 8305 §5: a failed attempt starts the next one at once, without waiting out the delay.
      this.startNext();
      return;
    }
    if (this.live.size > 0) return;
    this.finished = true;
    this.clearTimer();
    this.handler.lost(err, address);
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }
}
