import { constants as zlibConstants, createDeflate, type Deflate } from 'node:zlib';
import { WebSocket } from 'ws';
import type { TransportCompression } from './connection-params.ts';

/**
 * Puts serialized payloads on one socket, in order. With `compress=zlib-stream` every payload goes
 * through one shared deflate context and ends on a Z_SYNC_FLUSH, so each WebSocket message ends
 * with 00 00 ff ff, which is how Discord's clients find message boundaries. Compression is
 * asynchronous, so the close goes through the same queue: a close must never overtake the
 * INVALID_SESSION or dispatch written just before it.
 */
export interface FrameWriter {
  send(json: string): void;
  close(code: number, reason: string): void;
  dispose(): void;
}

export function createFrameWriter(ws: WebSocket, compression: TransportCompression): FrameWriter {
  return compression === 'zlib-stream' ? zlibStreamWriter(ws) : plainWriter(ws);
}

function plainWriter(ws: WebSocket): FrameWriter {
  return {
    send(json) {
      if (ws.readyState === WebSocket.OPEN) ws.send(json);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
    dispose() {},
  };
}

function zlibStreamWriter(ws: WebSocket): FrameWriter {
  const deflate: Deflate = createDeflate();
  let pending: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => pending.push(chunk));
  // A write after dispose is a programming slip, not a reason to crash the emulator.
  deflate.on('error', () => {});
  let disposed = false;
  const takePending = (): Buffer => {
    const out = Buffer.concat(pending);
    pending = [];
    return out;
  };
  return {
    send(json) {
      if (disposed) return;
      deflate.write(json);
      // Flush callbacks run in write order and after the flushed bytes were emitted as 'data'.
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        const message = takePending();
        if (ws.readyState === WebSocket.OPEN) ws.send(message, { binary: true });
      });
    },
    close(code, reason) {
      if (disposed) {
        ws.close(code, reason);
        return;
      }
      deflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        takePending();
        ws.close(code, reason);
      });
    },
    dispose() {
      disposed = true;
      deflate.close();
    },
  };
}
