import { isWellFormedText } from './body.ts';

/**
 * What a server-function call may carry, checked before Start decodes it. Start's browser client
 * encodes `{ data, context? }` in seroval's JSON form (`{ t: <node>, f: <features>, m: <marked
 * ids> }`); Start's decoder answers 500 to anything it cannot decode. Our server functions take
 * plain data only (strings, numbers, small objects), so the guard lets through exactly the node
 * types plain data encodes to and refuses the rest with 400: no Dates, Maps, references, streams,
 * promises or plugin nodes, which none of our functions accept anyway.
 *
 * Node types (seroval's SerovalNodeType): 0 number, 1 string, 2 constant (null, undefined, true,
 * false, -0, ±Infinity, NaN), 9 array, 10 object, 11 object without prototype.
 */
export const ServerFnPayloadLimits = {
  /** Nesting depth: our inputs are one object of strings. */
  maxDepth: 16,
  /** Nodes in one payload. */
  maxNodes: 1_000,
} as const;

const TOP_LEVEL_KEYS = new Set(['data', 'context']);

export function isPlainServerFnPayload(json: unknown): boolean {
  if (!isRecord(json) || !onlyKeys(json, ['t', 'f', 'm'])) return false;
  if (!Number.isInteger(json.f) || !Array.isArray(json.m) || json.m.length !== 0) return false;
  const top = json.t;
  if (!isRecord(top) || (top.t !== 10 && top.t !== 11)) return false;
  const record = top.p;
  if (!isRecord(record) || !Array.isArray(record.k) || !record.k.every((k) => typeof k === 'string' && TOP_LEVEL_KEYS.has(k))) return false;
  const walk = new Walk();
  return walk.node(top, 0);
}

class Walk {
  readonly #ids = new Set<number>();
  #nodes = 0;

  node(node: unknown, depth: number): boolean {
    if (depth > ServerFnPayloadLimits.maxDepth || ++this.#nodes > ServerFnPayloadLimits.maxNodes) return false;
    if (!isRecord(node)) return false;
    switch (node.t) {
      case 0:
        return onlyKeys(node, ['t', 's']) && typeof node.s === 'number' && Number.isFinite(node.s);
      case 1:
        return onlyKeys(node, ['t', 's']) && typeof node.s === 'string' && isWellFormedText(node.s);
      case 2:
        return onlyKeys(node, ['t', 's']) && Number.isInteger(node.s) && (node.s as number) >= 0 && (node.s as number) <= 7;
      case 9: {
        if (!onlyKeys(node, ['t', 'i', 'a', 'o', 'l']) || !this.#id(node.i) || !optionalInteger(node.o) || !optionalInteger(node.l)) return false;
        if (!Array.isArray(node.a)) return false;
        // 0 stands for a hole in a sparse array.
        return node.a.every((item) => item === 0 || this.node(item, depth + 1));
      }
      case 10:
      case 11: {
        if (!onlyKeys(node, ['t', 'i', 'p', 'o']) || !this.#id(node.i) || !optionalInteger(node.o)) return false;
        const p = node.p;
        if (!isRecord(p) || !onlyKeys(p, ['k', 'v']) || !Array.isArray(p.k) || !Array.isArray(p.v) || p.k.length !== p.v.length) return false;
        if (!p.k.every((k) => typeof k === 'string' && isWellFormedText(k))) return false;
        return p.v.every((value) => this.node(value, depth + 1));
      }
      default:
        return false;
    }
  }

  /** Every object and array has its own id; seroval refuses a payload that reuses one. */
  #id(value: unknown): boolean {
    if (!Number.isInteger(value) || (value as number) < 0 || this.#ids.has(value as number)) return false;
    this.#ids.add(value as number);
    return true;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

function optionalInteger(value: unknown): boolean {
  return value === undefined || Number.isInteger(value);
}
