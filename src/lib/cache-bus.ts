/**
 * Invalidation of the per-process caches of tenant state (the domain context by host, pixel keys, quota
 * usage, webhook subscriptions) across every node. A use case that changes an org's state — a domain, a
 * destination, a key, the plan — announces `orgChanged(orgId)` after its transaction commits; every cache
 * registered here drops what it holds of that org.
 *
 * Without Redis the announcement reaches this process only (one node: nothing else holds a copy). With
 * REDIS_URL it is also published on a Redis channel every node subscribes to, so a change holds everywhere
 * within milliseconds instead of the caches' TTL. The TTL stays as the safety net for a message that never
 * arrives, and a subscriber that reconnects drops everything (messages sent while it was away are lost:
 * Redis pub/sub does not keep them).
 *
 * The grain is the org on purpose: changes are rare (people in the dashboard, the CLI, a plugin sync), and
 * dropping all of one org's entries needs no reasoning about which entry a change touches.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/** Drops what a cache holds of `orgId`; `null`: everything (a reconnect, messages may have been missed). */
export type CacheDrop = (orgId: string | null) => void;

export interface CacheBus {
  /**
   * Drops the org's entries in this process before it resolves, and announces the change to the other
   * nodes (resolved once published; a failed publish is logged, never thrown: the TTL still bounds it).
   */
  orgChanged(orgId: string): Promise<void>;
  /** A cache to drop entries from on every announcement, local or from another node. */
  register(drop: CacheDrop): void;
  close(): Promise<void>;
}

/** One process: an announcement drops the entries here, and there is nobody else to tell. */
export class LocalCacheBus implements CacheBus {
  protected readonly caches: CacheDrop[] = [];

  register(drop: CacheDrop): void {
    this.caches.push(drop);
  }

  async orgChanged(orgId: string): Promise<void> {
    this.dropLocal(orgId);
  }

  async close(): Promise<void> {}

  protected dropLocal(orgId: string | null): void {
    for (const drop of this.caches) drop(orgId);
  }
}

/** The channel of one deployment: nodes of one database schema share it (tests use a schema each). */
export function cacheChannel(schema: string | undefined): string {
  return `tagbridge:cache-invalidation${schema ? `:${schema}` : ''}`;
}

interface Message {
  /** The sending node: it dropped its own entries already. */
  n: string;
  o: string;
}

/**
 * Across nodes over Redis pub/sub. `publisher` is the process's ordinary connection; `subscriber` a
 * connection of its own (a subscribed connection can run no other command), or none in a process that only
 * announces (the CLI).
 */
export class RedisCacheBus extends LocalCacheBus {
  private readonly node = randomBytes(6).toString('hex');
  private connectedOnce = false;
  private readonly subscribed: Promise<void>;

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis | null,
    private readonly channel: string,
    private readonly log: Logger,
  ) {
    super();
    if (!subscriber) {
      this.subscribed = Promise.resolve();
      return;
    }
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      const message = parse(raw);
      if (message && message.n !== this.node) this.dropLocal(message.o);
    });
    // 'ready' comes after every (re)connection, once ioredis has subscribed again: whatever was announced
    // in between is lost, so every cache starts over.
    subscriber.on('ready', () => {
      if (this.connectedOnce) {
        this.log.warn('cache invalidation channel reconnected: per-process caches dropped');
        this.dropLocal(null);
      }
      this.connectedOnce = true;
    });
    this.subscribed = subscriber.subscribe(channel).then(
      () => undefined,
      (error: unknown) => this.log.error({ err: error }, 'cache invalidation: subscribe failed'),
    );
  }

  /** Resolves once this node listens (tests and start-up: a change made after it is heard). */
  ready(): Promise<void> {
    return this.subscribed;
  }

  override async orgChanged(orgId: string): Promise<void> {
    this.dropLocal(orgId);
    const message: Message = { n: this.node, o: orgId };
    try {
      await this.publisher.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      this.log.warn({ err: error, orgId }, 'cache invalidation not published: other nodes wait for the TTL');
    }
  }

  override async close(): Promise<void> {
    if (this.subscriber) this.subscriber.disconnect();
  }
}

function parse(raw: string): Message | null {
  try {
    const value = JSON.parse(raw) as Partial<Message>;
    return typeof value.n === 'string' && typeof value.o === 'string' ? { n: value.n, o: value.o } : null;
  } catch {
    return null;
  }
}
