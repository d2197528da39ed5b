/** The bench's flags at their edges: which references run, and which Node runs the servers. */
import { describe, expect, it } from 'vitest';
import { parseOptions, REFERENCES } from './options.ts';

const parsed = (...argv: string[]) => {
  const o = parseOptions(argv);
  if (o === 'help') throw new Error('unexpected help');
  return o;
};

describe('--refs', () => {
  it('runs all three references by default, in the order wire, floor, peer', () => {
    expect(parsed().refs).toEqual([...REFERENCES]);
    expect(parsed().reference).toBe(true);
  });

  it('takes a comma-separated subset, spaces and repeats allowed', () => {
    expect(parsed('--refs', 'peer').refs).toEqual(['peer']);
    expect(parsed('--refs', 'floor, peer,floor').refs).toEqual(['floor', 'peer']);
  });

  it('refuses an unknown name, a look-alike and an empty list', () => {
    expect(() => parsed('--refs', 'discordjs')).toThrow();
    expect(() => parsed('--refs', 'Floor')).toThrow();
    expect(() => parsed('--refs', 'wire,')).toThrow();
    expect(() => parsed('--refs', '')).toThrow();
  });

  it('--no-reference turns every reference off whatever --refs says', () => {
    expect(parsed('--no-reference', '--refs', 'floor').reference).toBe(false);
  });
});

describe('--node', () => {
  it('defaults to the Node running the bench, and takes a path', () => {
    expect(parsed().node).toBe(process.execPath);
    expect(parsed('--node', '/usr/bin/node').node).toBe('/usr/bin/node');
  });

  it('refuses an empty path', () => {
    expect(() => parsed('--node', '')).toThrow();
  });
});
