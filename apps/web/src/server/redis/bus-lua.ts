/**
 * Lua shared by every script that writes to the event bus (room events, voice state): fencing and
 * replay checks, then "allocate a position, log it, publish it" as one atomic step. Kept in one
 * place so every writer of the channel numbers and fences its messages the same way.
 *
 * A message on the channel is `{"g":<position>,"s":<room seq|null>,"o":<instance>,"f":<fencing token|0>,"t":<topic>,"e":<event>,"p":<payload>}`.
 * `g` counts every message of the channel without gaps, so a subscriber knows when it missed one
 * and can read it back from the log (an XADD'ed stream whose entry ids are the positions).
 */
export const BUS_LUA_PRELUDE = `
local function fence_check(lease_key, marker_key, fenced_key, token, session, s, i, k)
  if token == '' then return 'ok' end
  local lease = redis.call('GET', lease_key)
  local holder = lease and string.match(lease, '|(%d+)$')
  if holder ~= token then
    redis.call('INCR', fenced_key)
    return 'stale'
  end
  if session == '' then return 'ok' end
  local marker = redis.call('GET', marker_key)
  if marker then
    local ms, ma, mb, mc = string.match(marker, '^(.*)|(%d+)|(%d+)|(%d+)$')
    if ms == session then
      local a, b, c = tonumber(ma), tonumber(mb), tonumber(mc)
      local x, y, z = tonumber(s), tonumber(i), tonumber(k)
      if x < a or (x == a and (y < b or (y == b and z <= c))) then return 'duplicate' end
    end
  end
  redis.call('SET', marker_key, session .. '|' .. s .. '|' .. i .. '|' .. k)
  return 'ok'
end

local function emit(pos_key, log_key, channel, sharded, seq, body, log_max)
  local g = redis.call('INCR', pos_key)
  local message = '{"g":' .. g .. ',"s":' .. seq .. ',' .. body .. '}'
  redis.pcall('XADD', log_key, 'MAXLEN', '~', log_max, g .. '-0', 'm', message)
  if sharded == '1' then
    redis.call('SPUBLISH', channel, message)
  else
    redis.call('PUBLISH', channel, message)
  end
  return g
end
`;

/** The fence arguments every bus-writing script takes, in this order. */
export function fenceArgs(fence: { token: number; sessionId: string | null; sequence: number; index: number } | undefined, publish: number): string[] {
  if (!fence) return ['', '', '0', '0', '0'];
  return [String(fence.token), fence.sessionId ?? '', String(fence.sequence), String(fence.index), String(publish)];
}

/**
 * `"o":…,"f":…,"t":…,"e":…,"p":…`: the part of a message the caller knows; the script adds position
 * and sequence. `o` is the publishing instance and `f` the fencing token of a Gateway-driven
 * publish (0 otherwise): operators (and the failover tests) can tell who published what, and see
 * that tokens only ever grow along the channel.
 */
export function messageBody(origin: string, fence: { token: number } | undefined, topic: string, event: string, payload: unknown): string {
  return `"o":${JSON.stringify(origin)},"f":${fence?.token ?? 0},"t":${JSON.stringify(topic)},"e":${JSON.stringify(event)},"p":${JSON.stringify(payload)}`;
}

export type FenceVerdict = 'ok' | 'stale' | 'duplicate';
