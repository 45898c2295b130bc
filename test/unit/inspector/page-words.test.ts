import { describe, expect, it } from 'vitest';
import { eventWords } from '../../../src/inspector-page/event-words.js';
import { readLocation, searchOf, takeToken } from '../../../src/inspector-page/page-location.js';

describe("the page's journal words", () => {
  it('names internal events for people and leaves machine events as words', () => {
    expect(eventWords('xstate.init')).toBe('started');
    expect(eventWords('xstate.done.actor.cleanup')).toBe('cleanup finished');
    expect(eventWords('xstate.error.actor.copyFile')).toBe('copyFile failed');
    expect(eventWords('xstate.done.actor.0.dataload.registering')).toBe('registering finished');
    expect(eventWords('xstate.after.5000.datafile.waitingForSpace')).toBe('waited 5 s');
    expect(eventWords('xstate.after.250.x.y')).toBe('waited 250 ms');
    expect(eventWords('holdfast.child.parked')).toBe('a child was parked');
    expect(eventWords('file.copied')).toBe('file copied');
    expect(eventWords('go')).toBe('go');
  });
});

describe("the page's address", () => {
  it('round-trips the selected job, actor and tab, leaving out an actor that is the job', () => {
    const where = { job: 'load-b', actor: 'load-b/file 1.csv', tab: 'item' };
    expect(readLocation(searchOf(where))).toEqual(where);
    expect(searchOf({ job: 'j', actor: 'j', tab: null })).toBe('?job=j');
    expect(readLocation(searchOf({ job: 'j', actor: 'j', tab: null }))).toEqual({ job: 'j', actor: null, tab: null });
    expect(searchOf({ job: null, actor: null, tab: null })).toBe('');
    // A token in the address is never read as part of the view.
    expect(readLocation('?token=secret&job=a')).toEqual({ job: 'a', actor: null, tab: null });
  });

  it('takes the token out of the address, keeping the rest, in place of the current history entry', () => {
    const replaced: string[] = [];
    const bar = { location: { href: 'http://127.0.0.1:7480/?job=a&token=secret-token&tab=item#x' }, history: { state: null, replaceState: (_state: unknown, _unused: string, url: string) => void replaced.push(url) } };
    expect(takeToken(bar)).toBe('secret-token');
    expect(replaced).toEqual(['/?job=a&tab=item#x']);
    expect(takeToken({ ...bar, location: { href: 'http://127.0.0.1:7480/?job=a' } })).toBeNull();
    expect(replaced).toHaveLength(1);
  });
});
