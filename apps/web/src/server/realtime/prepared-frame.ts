/**
 * One server message, serialized once and framed once (R-RT6). The hub builds a PreparedFrame per
 * event and hands the same object to every target connection; a connection that writes raw
 * WebSocket frames takes `wire` (built on first use, then shared), one that can only send strings
 * takes `text`. Writing the same Buffer to N sockets costs N syscalls and nothing else — no
 * per-socket UTF-8 encoding, header allocation or masking, which is what `ws.send(string)` pays.
 */
export class PreparedFrame {
  readonly text: string;
  #wire: Buffer | undefined;

  constructor(text: string) {
    this.text = text;
  }

  /** The complete unmasked server→client text frame: FIN + opcode 1, length, UTF-8 payload. */
  get wire(): Buffer {
    return (this.#wire ??= encodeTextFrame(this.text));
  }
}

/** RFC 6455 §5.2 framing of a single-fragment text message (server side, so no mask). */
export function encodeTextFrame(text: string): Buffer {
  const length = Buffer.byteLength(text, 'utf8');
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(text, header, 'utf8');
  return frame;
}
