import type { GatewayDomainEvent, ShardedGateway } from '@repo/discord-gateway';
import type { DiscordRestHooks, RateLimitEvent, RequestEvent, RetryEvent } from '@repo/discord-rest';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HubStat } from './realtime/hub.ts';
import type { CapacityStatus } from './rooms/guild-capacity.ts';

/** What the gauges read at each scrape. */
export interface MetricSources {
  connections(): number;
  subscriptions(): number;
  rooms(): Promise<number>;
  gateway: Pick<ShardedGateway, 'status'>;
  /** The Discord server's channels and roles, and how many more rooms fit. */
  capacity(): Promise<CapacityStatus>;
  /** Answers counted toward Discord's invalid-request limit over its 10-minute window. */
  restInvalidRequests(): number;
}

/**
 * Prometheus metrics (R-OPS2). One registry per services graph (never prom-client's global one, so
 * a dev reload or a test's second graph starts clean). Labels carry routes and event types, never
 * user ids or room ids.
 */
export class Metrics {
  readonly registry = new Registry();
  /**
   * The per-event counters' increments since the last read. prom-client's `inc` hashes its labels
   * object on every call (~3 % of an event's CPU with the histogram); the counters' collect()
   * adds these when /metrics is read, so a scrape shows every event counted before it.
   */
  readonly #eventsInCounts = new PendingCounts();
  readonly #eventsOutCounts = new PendingCounts();
  readonly #framesOutCounts = new PendingCounts();
  readonly #deliveryLatency: Histogram;
  readonly #slowConsumers: Counter;
  readonly #protocolViolations: Counter;
  readonly #authFailures: Counter;
  readonly #restRequests: Counter<'route' | 'method' | 'outcome'>;
  readonly #restDuration: Histogram<'route'>;
  readonly #rateLimits: Counter<'route' | 'source' | 'scope'>;
  readonly #restRetries: Counter<'route' | 'reason'>;
  readonly #cleanupRuns: Counter;

  constructor() {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'spellrooms_' });
    // Counted per event as plain numbers, handed to prom-client when the registry is read (below).
    const [eventsIn, eventsOut, framesOut] = [this.#eventsInCounts, this.#eventsOutCounts, this.#framesOutCounts];
    new Counter({ name: 'spellrooms_gateway_events_total', help: 'Domain events from the Discord Gateway', labelNames: ['type'], registers: [registry], collect() { eventsIn.drain((type, n) => this.inc({ type }, n)); } });
    new Counter({ name: 'spellrooms_events_delivered_total', help: 'Events fanned out to browsers (one per event)', labelNames: ['event'], registers: [registry], collect() { eventsOut.drain((event, n) => this.inc({ event }, n)); } });
    new Counter({ name: 'spellrooms_frames_written_total', help: 'Event frames written to browser sockets', labelNames: ['event'], registers: [registry], collect() { framesOut.drain((event, n) => this.inc({ event }, n)); } });
    this.#deliveryLatency = new Histogram({
      name: 'spellrooms_delivery_latency_seconds',
      help: 'Gateway dispatch received → frames written to every subscriber',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.3, 1],
      registers: [registry],
    });
    this.#slowConsumers = new Counter({ name: 'spellrooms_ws_slow_consumer_closes_total', help: 'Connections closed for a send buffer over 1 MB', registers: [registry] });
    this.#protocolViolations = new Counter({ name: 'spellrooms_ws_protocol_violations_total', help: 'Connections closed for protocol violations', registers: [registry] });
    this.#authFailures = new Counter({ name: 'spellrooms_ws_auth_failures_total', help: 'WebSocket auth attempts with a bad token', registers: [registry] });
    this.#restRequests = new Counter({ name: 'spellrooms_rest_requests_total', help: 'Discord REST operations by route and outcome', labelNames: ['route', 'method', 'outcome'], registers: [registry] });
    this.#restDuration = new Histogram({
      name: 'spellrooms_rest_request_duration_seconds',
      help: 'Discord REST operations, queueing and retries included',
      labelNames: ['route'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
      registers: [registry],
    });
    this.#rateLimits = new Counter({ name: 'spellrooms_rest_rate_limit_events_total', help: 'Rate-limit waits and 429s by route', labelNames: ['route', 'source', 'scope'], registers: [registry] });
    this.#restRetries = new Counter({ name: 'spellrooms_rest_retries_total', help: 'Discord REST retries by route and reason', labelNames: ['route', 'reason'], registers: [registry] });
    this.#cleanupRuns = new Counter({ name: 'spellrooms_cleanup_runs_total', help: 'Inactivity cleanup passes run by this instance', registers: [registry] });
  }

  /**
   * The gauges, read from the parts at each scrape. Separate from the constructor because the
   * parts are built after the counters they report to (the REST client, the hub, the cleanup job).
   */
  watch(sources: MetricSources): void {
    const registry = this.registry;
    new Gauge({ name: 'spellrooms_ws_connections', help: 'Open browser WebSocket connections', registers: [registry], collect() { this.set(sources.connections()); } });
    new Gauge({ name: 'spellrooms_ws_subscriptions', help: 'Room subscriptions across connections', registers: [registry], collect() { this.set(sources.subscriptions()); } });
    new Gauge({
      name: 'spellrooms_rooms',
      help: 'Open rooms',
      registers: [registry],
      async collect() {
        this.set(await sources.rooms());
      },
    });
    const gateway = sources.gateway;
    new Gauge({
      name: 'spellrooms_gateway_state',
      help: 'Discord Gateway connection state (1 for the current state)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const current = gateway.status().state;
        for (const state of ['DISCONNECTED', 'CONNECTING', 'IDENTIFYING', 'CONNECTED', 'RECONNECTING']) this.set({ state }, state === current ? 1 : 0);
      },
    });
    new Gauge({ name: 'spellrooms_gateway_reconnects', help: 'Gateway connection attempts after the first', registers: [registry], collect() { this.set(gateway.status().reconnectCount); } });
    new Gauge({
      name: 'spellrooms_gateway_heartbeat_latency_seconds',
      help: 'Round trip of the last Gateway heartbeat',
      registers: [registry],
      collect() {
        const ms = gateway.status().heartbeatLatencyMs;
        if (ms !== null) this.set(ms / 1000);
      },
    });

    // Cheap from the Gateway's cache; a standby instance lists the guild at most every 15 s. When
    // Discord cannot be asked, the gauges keep their last values rather than fail the scrape.
    const readCapacity = (): Promise<CapacityStatus | null> => sources.capacity().catch(() => null);
    new Gauge({
      name: 'spellrooms_discord_resources_used',
      help: "The Discord server's channels and roles in use (rooms and everything else)",
      labelNames: ['resource'],
      registers: [registry],
      async collect() {
        const status = await readCapacity();
        if (!status) return;
        this.set({ resource: 'channels' }, status.channels.used);
        this.set({ resource: 'roles' }, status.roles.used);
      },
    });
    new Gauge({
      name: 'spellrooms_discord_resources_limit',
      help: "Discord's limit per server for each resource",
      labelNames: ['resource'],
      registers: [registry],
      async collect() {
        const status = await readCapacity();
        if (!status) return;
        this.set({ resource: 'channels' }, status.channels.limit);
        this.set({ resource: 'roles' }, status.roles.limit);
      },
    });
    new Gauge({
      name: 'spellrooms_rooms_available',
      help: 'More rooms that fit in the Discord server, keeping the admins reserve free',
      registers: [registry],
      async collect() {
        const status = await readCapacity();
        if (status) this.set(status.roomsAvailable);
      },
    });
    new Gauge({
      name: 'spellrooms_rest_invalid_requests',
      help: 'Discord REST answers 401, 403 and non-shared 429 in the last 10 minutes (Discord bans the IP at 10,000)',
      registers: [registry],
      collect() {
        this.set(sources.restInvalidRequests());
      },
    });
  }

  gatewayEvent(event: GatewayDomainEvent): void {
    this.#eventsInCounts.add(event.type, 1);
  }

  hub(stat: HubStat): void {
    switch (stat.kind) {
      case 'delivered':
        this.#eventsOutCounts.add(stat.event, 1);
        if (stat.frames > 0) this.#framesOutCounts.add(stat.event, stat.frames);
        if (stat.latencyMs !== null) this.#deliveryLatency.observe(stat.latencyMs / 1000);
        return;
      case 'slow-consumer':
        this.#slowConsumers.inc();
        return;
      case 'protocol-violation':
        this.#protocolViolations.inc();
        return;
      case 'auth-failed':
        this.#authFailures.inc();
        return;
    }
  }

  /** The REST client's hooks, bound to these counters. */
  get restHooks(): DiscordRestHooks {
    return { onRequest: (event) => this.restRequest(event), onRateLimit: (event) => this.rateLimit(event), onRetry: (event) => this.retry(event) };
  }

  restRequest(event: RequestEvent): void {
    this.#restRequests.inc({ route: event.route, method: event.method, outcome: event.outcome });
    this.#restDuration.observe({ route: event.route }, event.durationMs / 1000);
  }

  rateLimit(event: RateLimitEvent): void {
    this.#rateLimits.inc({ route: event.route, source: event.source, scope: event.global ? 'global' : event.scope });
  }

  retry(event: RetryEvent): void {
    this.#restRetries.inc({ route: event.route, reason: event.reason });
  }

  cleanupRun(): void {
    this.#cleanupRuns.inc();
  }
}

/** Increments per label value, kept until a registry read hands them to prom-client. */
class PendingCounts {
  readonly #counts = new Map<string, number>();

  add(label: string, by: number): void {
    this.#counts.set(label, (this.#counts.get(label) ?? 0) + by);
  }

  drain(into: (label: string, count: number) => void): void {
    for (const [label, count] of this.#counts) into(label, count);
    this.#counts.clear();
  }
}
