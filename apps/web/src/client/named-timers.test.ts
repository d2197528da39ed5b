import { describe, expect, it } from 'vitest';
import { NamedTimers } from './named-timers.ts';
import { FakeClock } from '@repo/platform/testing';

type Name = 'retry' | 'ping' | 'pong';

function setup() {
  const clock = new FakeClock({ startMs: 1_000_000 });
  const timers = new NamedTimers<Name>(clock);
  const fired: string[] = [];
  return { clock, timers, fired };
}

describe('NamedTimers', () => {
  it('setting a name again replaces its timer: only the last one fires', async () => {
    const { clock, timers, fired } = setup();
    timers.set('retry', 100, () => fired.push('first'));
    timers.set('retry', 50, () => fired.push('second'));
    expect(clock.pending()).toEqual([50]);
    await clock.advance(200);
    expect(fired).toEqual(['second']);
  });

  it('has() is true while a timer waits, false once it fired or was cleared', async () => {
    const { clock, timers, fired } = setup();
    timers.set('ping', 10, () => fired.push('ping'));
    timers.set('pong', 20, () => fired.push('pong'));
    expect(timers.has('ping')).toBe(true);
    await clock.advance(9);
    expect(timers.has('ping')).toBe(true);
    await clock.advance(1);
    expect(fired).toEqual(['ping']);
    expect(timers.has('ping')).toBe(false);
    timers.clear('pong');
    expect(timers.has('pong')).toBe(false);
    await clock.advance(100);
    expect(fired).toEqual(['ping']);
  });

  it('clear() cancels several names at once and passes over names not set', async () => {
    const { clock, timers, fired } = setup();
    for (const name of ['ping', 'pong'] as const) timers.set(name, 10, () => fired.push(name));
    timers.clear('retry', 'ping', 'pong');
    expect(clock.pending()).toEqual([]);
    await clock.advance(100);
    expect(fired).toEqual([]);
  });

  it('a callback that sets its own name again leaves that new timer armed (a repeating ping)', async () => {
    const { clock, timers, fired } = setup();
    const ping = () => {
      fired.push(`ping@${clock.now()}`);
      timers.set('ping', 25, ping);
    };
    timers.set('ping', 25, ping);
    await clock.advance(50);
    expect(fired).toEqual(['ping@1000025', 'ping@1000050']);
    expect(timers.has('ping')).toBe(true);
    expect(clock.pending()).toEqual([25]);
  });
});
