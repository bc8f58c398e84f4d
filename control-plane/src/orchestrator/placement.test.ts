import { describe, expect, it } from 'vitest';
import { chooseMachine, eligibleMachines, type MachineCandidate } from './placement.js';

const m = (name: string, over: Partial<MachineCandidate> = {}): MachineCandidate => ({ id: name, name, connected: true, slots: 2, slotsUsed: 0, labels: ['linux'], clis: ['claude', 'codex'], ...over });

describe('placement', () => {
  it('says why nothing fits, most basic reason first', () => {
    expect(eligibleMachines([m('a', { connected: false })], { labels: [], cli: 'claude' }).refusal).toBe('no_connected_machine');
    expect(eligibleMachines([m('a')], { labels: ['gpu'], cli: 'claude' }).refusal).toBe('no_machine_with_labels');
    expect(eligibleMachines([m('a')], { labels: ['linux'], cli: 'gemini' }).refusal).toBe('no_machine_with_cli');
    expect(eligibleMachines([m('a', { slotsUsed: 2 })], { labels: [], cli: 'claude' }).refusal).toBe('no_free_slot');
  });

  it('prefers the warm machine, then the least loaded, then the name', () => {
    const fleet = [m('b', { slotsUsed: 1 }), m('a', { slotsUsed: 1 }), m('c', { slots: 4, slotsUsed: 1 }), m('full', { slotsUsed: 2 })];
    expect(chooseMachine(fleet, { labels: [], cli: 'claude' })?.name).toBe('c');
    expect(chooseMachine(fleet, { labels: [], cli: 'claude', warmMachineId: 'b' })?.name).toBe('b');
    // A warm machine without a free slot is not waited for.
    expect(chooseMachine(fleet, { labels: [], cli: 'claude', warmMachineId: 'full' })?.name).toBe('c');
    expect(chooseMachine([m('b'), m('a')], { labels: ['linux'], cli: 'codex' })?.name).toBe('a');
    expect(chooseMachine([], { labels: [], cli: 'claude' })).toBeNull();
  });
});
