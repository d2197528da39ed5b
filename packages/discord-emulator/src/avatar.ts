import { deflateSync } from 'node:zlib';

/**
 * Generated avatar pictures: a 128×128 PNG with a colour picked from the avatar hash and the
 * user's initial drawn from a 5×7 bitmap font. Enough for the app to show real, distinguishable
 * pictures without shipping image files.
 */

const SIZE = 128;
const SCALE = 12;

/** Background colours (Discord-ish palette), chosen by the avatar hash. */
const PALETTE: ReadonlyArray<readonly [number, number, number]> = [
  [88, 101, 242],
  [87, 242, 135],
  [235, 69, 158],
  [237, 66, 69],
  [250, 166, 26],
  [52, 152, 219],
  [155, 89, 182],
  [26, 188, 156],
];

/** 5×7 glyphs, one string of 35 bits per character (row by row). */
const GLYPHS: Record<string, string> = {
  A: '01110100011000111111100011000110001', B: '11110100011000111110100011000111110',
  C: '01110100011000010000100001000101110', D: '11100100101000110001100011001011100',
  E: '11111100001000011110100001000011111', F: '11111100001000011110100001000010000',
  G: '01110100011000010111100011000101111', H: '10001100011000111111100011000110001',
  I: '01110001000010000100001000010001110', J: '00111000100001000010000101001001100',
  K: '10001100101010011000101001001010001', L: '10000100001000010000100001000011111',
  M: '10001110111010110101100011000110001', N: '10001100011100110101100111000110001',
  O: '01110100011000110001100011000101110', P: '11110100011000111110100001000010000',
  Q: '01110100011000110001101011001001101', R: '11110100011000111110101001001010001',
  S: '01111100001000001110000010000111110', T: '11111001000010000100001000010000100',
  U: '10001100011000110001100011000101110', V: '10001100011000110001100010101000100',
  W: '10001100011000110101101011010101010', X: '10001100010101000100010101000110001',
  Y: '10001100011000101010001000010000100', Z: '11111000010001000100010001000011111',
  '0': '01110100011001110101110011000101110', '1': '00100011000010000100001000010001110',
  '2': '01110100010000100010001000100011111', '3': '11111000100010000010000011000101110',
  '4': '00010001100101010010111110001000010', '5': '11111100001111000001000011000101110',
  '6': '00110010001000011110100011000101110', '7': '11111000010001000100010000100001000',
  '8': '01110100011000101110100011000101110', '9': '01110100011000101111000010001001100',
  '?': '01110100010000100010001000000000100',
};

export function avatarPng(initial: string, hash: string): Buffer {
  const colour = PALETTE[parseInt(hash.slice(0, 2), 16) % PALETTE.length] ?? PALETTE[0] ?? [88, 101, 242];
  const glyph = GLYPHS[initial.toUpperCase()] ?? GLYPHS['?'] ?? '';
  const ox = Math.floor((SIZE - 5 * SCALE) / 2);
  const oy = Math.floor((SIZE - 7 * SCALE) / 2);
  const rowBytes = 1 + SIZE * 3;
  const raw = Buffer.alloc(rowBytes * SIZE);
  for (let y = 0; y < SIZE; y++) {
    raw[y * rowBytes] = 0; // filter: none
    for (let x = 0; x < SIZE; x++) {
      const gx = Math.floor((x - ox) / SCALE);
      const gy = Math.floor((y - oy) / SCALE);
      const ink = gx >= 0 && gx < 5 && gy >= 0 && gy < 7 && glyph[gy * 5 + gx] === '1';
      const at = y * rowBytes + 1 + x * 3;
      raw[at] = ink ? 255 : colour[0];
      raw[at + 1] = ink ? 255 : colour[1];
      raw[at + 2] = ink ? 255 : colour[2];
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(SIZE, 0);
  header.writeUInt32BE(SIZE, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
