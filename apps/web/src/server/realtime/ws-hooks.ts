import type { Socket } from 'node:net';
import type { Hooks, Peer } from 'crossws';
import type { Connection, Hub } from './hub.ts';
import type { PreparedFrame } from './prepared-frame.ts';
import { createUpgradeOriginCheck } from './upgrade-origin.ts';

export interface WebSocketHooksOptions {
  /** Where each socket's life goes: opened, a message, a pong, closed. */
  hub: Pick<Hub, 'open' | 'message' | 'pong' | 'close'>;
  /** The upgrade's `Origin` must be one of these (config.http.allowedOrigins). */
  allowedOrigins: readonly string[];
}

/**
 * crossws hooks for `/api/ws`. crossws owns the upgrade and the socket; the hub owns what the
 * messages mean. The same hooks serve Vite's dev server and the production Node entry.
 *
 * Outbound frames skip crossws and `ws.send`: under crossws's Node peer sits a `ws` WebSocket, and
 * the hub's prepared frames (serialized and framed once per event) are written to its TCP socket
 * directly, coalesced per socket per tick. See RawSocketConnection.
 */
export function createWebSocketHooks(options: WebSocketHooksOptions): Partial<Hooks> {
  const { hub } = options;
  const originAllowed = createUpgradeOriginCheck(options.allowedOrigins);
  const connections = new WeakMap<Peer, Connection>();
  const writer = new TickWriter();
  // Our own ids, not crossws's `peer.id`: that is a lazily made UUID which V8 keeps as a chain of
  // 14 concatenated pieces, ~0.5 KB per connection for the socket's lifetime. Only this process
  // uses them (hub keys, logs); short ones are flat strings.
  let opened = 0;

  return {
    upgrade(request) {
      // Exactly an allowed origin, or no Origin header at all (not a browser): see upgrade-origin.ts.
      if (!originAllowed(request.headers.get('origin'))) return new Response('Origin not allowed', { status: 403 });
      return undefined;
    },
    open(peer) {
      const ws = rawWebSocketOf(peer);
      const id = `ws${++opened}`;
      const connection: Connection = ws ? new RawSocketConnection(id, ws, ws._socket, writer) : new PeerConnection(id, peer);
      releaseUpgradeRequest(peer);
      connections.set(peer, connection);
      hub.open(connection);
    },
    message(peer, message) {
      const connection = connections.get(peer);
      if (connection) void hub.message(connection.id, message.text());
    },
    pong(peer) {
      const connection = connections.get(peer);
      if (connection) hub.pong(connection.id);
    },
    close(peer) {
      const connection = connections.get(peer);
      if (connection) hub.close(connection.id);
    },
    error(peer) {
      const connection = connections.get(peer);
      if (connection) hub.close(connection.id);
    },
  };
}

/** The `ws` WebSocket under a crossws Node peer: the members we use. */
interface RawWebSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly _socket: Socket;
  readonly _extensions?: Record<string, unknown>;
  send(data: string, options: { compress: boolean }): void;
  close(code: number, reason: string): void;
  ping(): void;
  terminate(): void;
}

const OPEN = 1;
/** A ping control frame with no payload (FIN + opcode 9, length 0); the client's ws answers it. */
const PING_FRAME = Buffer.from([0x89, 0x00]);

interface NodePeerInternals {
  ws?: unknown;
  request?: unknown;
  nodeReq?: { _context?: unknown; socket?: { remoteAddress?: string } };
}

function internalsOf(peer: Peer): NodePeerInternals | undefined {
  return (peer as unknown as { _internal?: NodePeerInternals })._internal;
}

/** The raw `ws` WebSocket when crossws's Node adapter runs it and nothing stands between it and its socket. */
function rawWebSocketOf(peer: Peer): RawWebSocket | null {
  const ws = internalsOf(peer)?.ws as Partial<RawWebSocket> | undefined;
  if (!ws || typeof ws._socket?.write !== 'function' || typeof ws.send !== 'function') return null;
  // ws's Sender holds frames back only while compressing; with permessage-deflate (never
  // negotiated here) a raw write could overtake one, so such a connection goes through ws.send.
  if (ws._extensions && Object.keys(ws._extensions).length > 0) return null;
  return ws as RawWebSocket;
}

/**
 * crossws keeps the upgrade's IncomingMessage and a Request wrapper for the peer's lifetime (for
 * `peer.request` and `peer.remoteAddress`): a few KB per connection, more with a browser's cookie
 * header. Nothing reads them after `open`, so the peer keeps only what crossws itself reads later:
 * the context object (the key of its per-connection hook cache) and the remote address.
 */
function releaseUpgradeRequest(peer: Peer): void {
  const internal = internalsOf(peer);
  const nodeReq = internal?.nodeReq;
  if (!internal || !nodeReq || !('_context' in nodeReq)) return;
  internal.nodeReq = { _context: nodeReq._context, socket: { remoteAddress: nodeReq.socket?.remoteAddress } };
  internal.request = undefined;
}

/**
 * Writes prepared frames to the TCP socket under `ws`. Safe beside ws's own sends (pings, close
 * frames): without permessage-deflate, ws writes synchronously too, so the socket sees every frame
 * in call order. Once ws has sent or received a close frame (readyState ≠ OPEN), nothing more goes
 * out, as with `ws.send`.
 */
class RawSocketConnection implements Connection {
  readonly id: string;
  readonly #ws: RawWebSocket;
  readonly #socket: Socket;
  readonly #writer: TickWriter;

  constructor(id: string, ws: RawWebSocket, socket: Socket, writer: TickWriter) {
    this.id = id;
    this.#ws = ws;
    this.#socket = socket;
    this.#writer = writer;
  }

  send(frame: string): void {
    if (this.#ws.readyState === OPEN) this.#ws.send(frame, { compress: false });
  }

  sendPrepared(frame: PreparedFrame): void {
    if (this.#ws.readyState === OPEN) this.#writer.write(this.#socket, frame.wire);
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  ping(): void {
    // Through the same per-tick batch as the data frames: a ping due with an event costs no extra write.
    if (this.#ws.readyState === OPEN) this.#writer.write(this.#socket, PING_FRAME);
  }

  terminate(): void {
    this.#ws.terminate();
  }
}

/** Any other crossws peer (another adapter): strings through crossws. */
class PeerConnection implements Connection {
  readonly id: string;
  readonly #peer: Peer;

  constructor(id: string, peer: Peer) {
    this.id = id;
    this.#peer = peer;
  }

  send(frame: string): void {
    this.#peer.send(frame, { compress: false });
  }

  close(code: number, reason: string): void {
    this.#peer.close(code, reason);
  }

  bufferedAmount(): number {
    return this.#peer.bufferedAmount;
  }

  ping(): void {
    this.#peer.ping();
  }

  terminate(): void {
    this.#peer.terminate();
  }
}

/**
 * Coalesces the frames due to one socket within one tick into one write (one syscall): the first
 * write of a tick corks the socket, and a nextTick uncorks every socket corked in that tick. The
 * nextTick runs after the current callback and its microtasks — the whole fan-out of everything the
 * Gateway delivered in one read — and before any further I/O, so no frame waits for later input.
 */
export class TickWriter {
  #corked: Socket[] = [];

  write(socket: Socket, data: Buffer): void {
    if (!socket.writableCorked) {
      socket.cork();
      if (this.#corked.push(socket) === 1) process.nextTick(this.#flush);
    }
    socket.write(data);
  }

  readonly #flush = (): void => {
    const corked = this.#corked;
    this.#corked = [];
    for (const socket of corked) socket.uncork();
  };
}
