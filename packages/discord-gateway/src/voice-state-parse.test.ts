import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { voiceStateSchema } from './discord-payloads.ts';
import { parseVoiceState } from './voice-state-parse.ts';

/**
 * The hand-written VOICE_STATE_UPDATE check against the zod schema it replaces on the hot path:
 * for every payload, both refuse or both accept with the same object (key presence included).
 */

function sameAsZod(d: unknown): void {
  const zod = voiceStateSchema.safeParse(d);
  const hand = parseVoiceState(d);
  if (!zod.success) expect(hand, `zod refuses ${JSON.stringify(d)}`).toBeNull();
  else expect(hand).toStrictEqual(zod.data);
}

/** Values of every type a JSON payload (or a wrong one) can hold in a field. */
const junk = fc.oneof(
  fc.constantFrom(undefined, null, '', '0', 'x', 0, 1, -1, Number.NaN, true, false, [], {}, ['1'], { id: '1' }),
  fc.string(),
  fc.anything(),
);
const snowflake = fc.stringMatching(/^[1-9][0-9]{0,19}$/);
const boolOrAbsent = fc.option(fc.boolean(), { nil: undefined });
const nullishString = fc.oneof(fc.constant(undefined), fc.constant(null), fc.string());

/** An optional key: absent, present as undefined, or present with a value. */
function optionalKey<T>(value: fc.Arbitrary<T>): fc.Arbitrary<{ present: false } | { present: true; value: T | undefined }> {
  return fc.oneof(
    fc.constant({ present: false as const }),
    fc.constant({ present: true as const, value: undefined }),
    value.map((v) => ({ present: true as const, value: v })),
  );
}

function build(fields: Record<string, { present: false } | { present: true; value: unknown }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(fields)) if (f.present) out[key] = f.value;
  return out;
}

const user = fc
  .record({
    id: optionalKey(snowflake),
    username: optionalKey(fc.string()),
    global_name: optionalKey(nullishString),
    avatar: optionalKey(nullishString),
    bot: optionalKey(fc.boolean()),
    extra: optionalKey(fc.anything()),
  })
  .map(build);
const member = fc.record({ user: optionalKey(user), nick: optionalKey(nullishString), avatar: optionalKey(nullishString), joined_at: optionalKey(fc.string()) }).map(build);

/** Mostly well-formed payloads: every field Discord sends, optional ones absent or present. */
const wellFormed = fc
  .record({
    guild_id: optionalKey(snowflake),
    channel_id: fc.oneof(fc.constant(null), snowflake).map((value) => ({ present: true as const, value })),
    user_id: snowflake.map((value) => ({ present: true as const, value })),
    member: optionalKey(member),
    session_id: optionalKey(fc.string()),
    deaf: fc.boolean().map((value) => ({ present: true as const, value })),
    mute: fc.boolean().map((value) => ({ present: true as const, value })),
    self_deaf: fc.boolean().map((value) => ({ present: true as const, value })),
    self_mute: fc.boolean().map((value) => ({ present: true as const, value })),
    self_stream: optionalKey(fc.boolean()),
    self_video: optionalKey(fc.boolean()),
    suppress: optionalKey(fc.boolean()),
    request_to_speak_timestamp: optionalKey(fc.oneof(fc.constant(null), fc.string())),
  })
  .map(build);

const PATHS = [
  ['guild_id'], ['channel_id'], ['user_id'], ['member'], ['deaf'], ['mute'], ['self_deaf'], ['self_mute'], ['self_stream'], ['self_video'], ['suppress'],
  ['member', 'user'], ['member', 'nick'], ['member', 'avatar'],
  ['member', 'user', 'id'], ['member', 'user', 'username'], ['member', 'user', 'global_name'], ['member', 'user', 'avatar'], ['member', 'user', 'bot'],
] as const;

/** A well-formed payload with one field (maybe nested) replaced by junk or deleted. */
const mutated = fc.tuple(wellFormed, fc.constantFrom(...PATHS), junk, fc.boolean()).map(([payload, path, value, remove]) => {
  const copy = structuredClone(payload);
  let at: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null) return copy;
    at = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (remove) delete at[last];
  else at[last] = value;
  return copy;
});

describe('parseVoiceState: the same answer as voiceStateSchema', () => {
  it('well-formed payloads: the same object', () => {
    fc.assert(fc.property(wellFormed, sameAsZod), { numRuns: 3_000 });
  });

  it('one field wrong or missing: both refuse, or both accept the same object', () => {
    fc.assert(fc.property(mutated, sameAsZod), { numRuns: 10_000 });
  });

  it('anything at all (not objects, arrays, random records)', () => {
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.object(), junk), sameAsZod), { numRuns: 3_000 });
  });

  it('at the edges: empty ids, null member, absent vs undefined keys, non-boolean flags', () => {
    const ok = { guild_id: '1', channel_id: '2', user_id: '3', deaf: false, mute: false, self_deaf: true, self_mute: false };
    const cases: unknown[] = [
      ok,
      { ...ok, guild_id: '' },
      { ...ok, channel_id: '' },
      { ...ok, channel_id: null },
      { ...ok, channel_id: undefined },
      { ...ok, user_id: '' },
      { ...ok, guild_id: null },
      { ...ok, guild_id: undefined },
      { ...ok, member: null },
      { ...ok, member: undefined },
      { ...ok, member: {} },
      { ...ok, member: { user: { id: '3', username: '' } } },
      { ...ok, member: { user: { id: '', username: 'a' } } },
      { ...ok, member: { user: { id: '3', username: 'a', bot: undefined, global_name: null } , nick: 'n' } },
      { ...ok, member: { user: { id: '3', username: 'a', bot: 'true' } } },
      { ...ok, member: [{ user: { id: '3', username: 'a' } }] },
      { ...ok, self_stream: 'false' },
      { ...ok, suppress: null },
      { ...ok, deaf: 0 },
      Object.assign([], ok),
      Object.assign(Object.create(null) as object, ok),
      null,
      'VOICE_STATE_UPDATE',
    ];
    for (const d of cases) sameAsZod(d);
    expect(parseVoiceState(cases[0])).not.toBeNull();
    expect(parseVoiceState(cases[1])).toBeNull();
  });
});
