/**
 * A byte budget for the ingest routes' request bodies (INGEST_MAX_INFLIGHT_BYTES). A request takes its share
 * (its Content-Length, or the route's body limit when it has none) before its body is read, and gives it
 * back when its response is finished or its connection closes. While the budget is spent, further requests
 * wait in arrival order with their bodies unparsed: Node reads at most a stream buffer's worth of each (then
 * it stops reading the socket), and the rest stays in the kernel's socket buffers.
 *
 * Why: everything a request holds — the parsed body, its prepared events, their sealed payloads — lives
 * until its group has committed. Under a load the core cannot keep up with, that was every request of every
 * open connection at once, so the memory an ingest node used grew with its connections (and each request's
 * objects lived long enough to be promoted to V8's old generation, which then had to be marked and
 * swept). The wait itself changes nothing for the client: the request would have waited as long for the
 * core anyway.
 *
 * A request larger than the whole budget still goes, alone. A request that waits longer than
 * HTTP_REQUEST_TIMEOUT_MS for its turn is answered 408 by Node, as any request whose body does not arrive in
 * time; nothing of it was parsed or stored, so the client's retry is safe.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

interface Ticket {
  bytes: number;
  state: 'queued' | 'held' | 'done';
  grant: (granted: boolean) => void;
}

export class ByteBudget {
  private used = 0;
  private readonly queue: Ticket[] = [];

  constructor(readonly limit: number) {}

  /** Bytes taken by requests being read, prepared or committed. */
  get inUse(): number {
    return this.used;
  }

  /** Requests waiting for their turn. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Asks for `bytes` (at most the whole budget). `granted` resolves true once they are taken, or false if the
   * ticket was given back while it waited. Every ticket must be given back exactly once (`giveBack`).
   */
  take(bytes: number): { ticket: Ticket; granted: Promise<boolean> } {
    let grant!: (granted: boolean) => void;
    const granted = new Promise<boolean>((resolve) => {
      grant = resolve;
    });
    const ticket: Ticket = { bytes: Math.min(Math.max(bytes, 0), this.limit), state: 'queued', grant };
    this.queue.push(ticket);
    this.grantWaiting();
    return { ticket, granted };
  }

  /** Returns a held ticket's bytes, or withdraws one still waiting; a second call does nothing. */
  giveBack(ticket: Ticket): void {
    if (ticket.state === 'held') {
      this.used -= ticket.bytes;
    } else if (ticket.state === 'queued') {
      this.queue.splice(this.queue.indexOf(ticket), 1);
      ticket.grant(false);
    } else {
      return;
    }
    ticket.state = 'done';
    this.grantWaiting();
  }

  // First come, first served: a large request at the head is not overtaken by smaller ones behind it.
  private grantWaiting(): void {
    for (;;) {
      const head = this.queue[0];
      if (!head || (this.used > 0 && this.used + head.bytes > this.limit)) return;
      this.queue.shift();
      this.used += head.bytes;
      head.state = 'held';
      head.grant(true);
    }
  }
}

/** The route's share of the budget: its Content-Length, or its body limit for a body of unknown length. */
function bodyBytes(request: FastifyRequest): number {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) && declared >= 0 ? declared : request.routeOptions.bodyLimit;
}

/**
 * The preParsing hook of the ingest routes: waits for the request's share of `budget`, and gives it back
 * when the response has gone or the connection has closed (also while it waited).
 */
export function waitForIngestBudget(budget: ByteBudget) {
  return async function ingestBudget<P>(
    request: FastifyRequest,
    reply: FastifyReply,
    payload: P,
  ): Promise<P> {
    const connection = request.raw.socket;
    // A client that went away before this hook would never emit `close` again: its share would stay taken.
    if (!connection || connection.destroyed) return payload;
    const { ticket, granted } = budget.take(bodyBytes(request));
    reply.raw.once('close', () => budget.giveBack(ticket));
    await granted;
    return payload;
  };
}
