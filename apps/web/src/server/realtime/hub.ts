import { CloseCodes, parseClientFrame, serverMessage, type ServerMessage } from '@repo/protocol';
import type { Logger } from 'pino';

/** What the hub needs from a socket; the crossws peer is adapted to this in ws-hooks.ts. */
export interface Connection {
  readonly id: string;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

export interface HubOptions {
  log: Logger;
  now?: () => number;
}

/**
 * The registry of live browser connections and the dispatcher of their messages. It knows nothing
 * of Discord: it moves envelopes between sockets and topics (rooms arrive with the rooms issue).
 */
export class Hub {
  readonly #connections = new Map<string, Connection>();
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(options: HubOptions) {
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  open(connection: Connection): void {
    this.#connections.set(connection.id, connection);
    this.#log.debug({ connectionId: connection.id, connections: this.#connections.size }, 'connection opened');
  }

  close(connectionId: string): void {
    if (this.#connections.delete(connectionId)) {
      this.#log.debug({ connectionId, connections: this.#connections.size }, 'connection closed');
    }
  }

  message(connectionId: string, raw: string): void {
    const connection = this.#connections.get(connectionId);
    if (!connection) return;
    const parsed = parseClientFrame(raw);
    if (!parsed.ok) {
      this.#log.info({ connectionId, reason: parsed.error }, 'protocol violation, closing');
      this.#send(connection, serverMessage({ type: 'error', code: 'bad_request', error: parsed.error }, this.#now()));
      connection.close(CloseCodes.ProtocolViolation.code, CloseCodes.ProtocolViolation.reason);
      this.close(connectionId);
      return;
    }
    switch (parsed.message.type) {
      case 'ping':
        this.#send(connection, serverMessage({ type: 'pong' }, this.#now()));
        return;
      default:
        this.#send(
          connection,
          serverMessage({ type: 'error', code: 'bad_request', error: `"${parsed.message.type}" is not available yet` }, this.#now()),
        );
    }
  }

  /** Close every connection, telling clients to come back (deploys, SIGTERM). */
  closeAll(): void {
    for (const connection of this.#connections.values()) {
      connection.close(CloseCodes.GoingAway.code, CloseCodes.GoingAway.reason);
    }
    this.#connections.clear();
  }

  #send(connection: Connection, message: ServerMessage): void {
    connection.send(JSON.stringify(message));
  }
}
