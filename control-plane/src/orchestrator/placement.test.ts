import { describe, expect, it } from 'vitest';
import { chooseMachine, type PlacementCandidate } from './placement.js';

const m = (name: string, activeRuns = 0, slots = 2): PlacementCandidate => ({ id: name, name, slots, activeRuns });

describe('placement', () => {
  it('prefers the warm machine, then the least loaded, then the name', () => {
    const fleet = [m('b', 1), m('a', 1), m('c', 1, 4), m('full', 2)];
    expect(chooseMachine(fleet)?.name).toBe('c');
    expect(chooseMachine(fleet, 'b')?.name).toBe('b');
    expect(chooseMachine([m('b'), m('a')])?.name).toBe('a');
  });

  it('never picks a full machine, not even the warm one', () => {
    expect(chooseMachine([m('full', 2), m('c', 1, 4)], 'full')?.name).toBe('c');
    expect(chooseMachine([m('full', 2)])).toBeNull();
    expect(chooseMachine([])).toBeNull();
  });
});
