/**
 * JSON.parse for request bodies that may carry snowflakes as JSON numbers (`"parent_id":
 * 1191168914227331072`). Discord accepts those, but JSON.parse turns every number into a double
 * and rounds anything above 2^53 (a 19-digit snowflake loses its last digits). The reviver's
 * access to the source text that would fix this is not in Node 20 (V8 11.3), so the text is
 * pre-scanned instead: every integer literal outside a string whose value is beyond
 * Number.MAX_SAFE_INTEGER is put in quotes, then JSON.parse runs as usual. Such a value reaches
 * the schemas as its exact decimal string; snowflake and bitfield fields accept strings, and any
 * other field rejects it as the wrong type (it could not have held that value anyway).
 */

/** A JSON number literal at a position; groups 1 and 2 are its fraction and exponent. */
const NUMBER_TOKEN = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
/** Fewer than 16 digits is always safe; the scan is skipped for bodies without such a run. */
const LONG_DIGIT_RUN = /\d{16}/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function parseJsonKeepingBigIntegers(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteUnsafeIntegers(text) : text);
}

/** Exported for its tests. Strings (keys and values) are copied untouched, escapes included. */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = endOfString(text, i);
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      NUMBER_TOKEN.lastIndex = i;
      const m = NUMBER_TOKEN.exec(text);
      if (!m) {
        i += 1;
        continue;
      }
      const token = m[0];
      const isInteger = m[1] === undefined && m[2] === undefined;
      if (isInteger && isUnsafe(token)) {
        out += `${text.slice(copiedUpTo, i)}"${token}"`;
        copiedUpTo = i + token.length;
      }
      i += token.length;
      continue;
    }
    i += 1;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

function isUnsafe(token: string): boolean {
  const digits = token.startsWith('-') ? token.length - 1 : token.length;
  if (digits < 16) return false;
  const value = BigInt(token);
  return value > MAX_SAFE || value < -MAX_SAFE;
}

/** Index just past the string literal that opens at `start` (or the end of text if it never closes). */
function endOfString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i += 2;
    else if (c === 0x22) return i + 1;
    else i += 1;
  }
  return i;
}
