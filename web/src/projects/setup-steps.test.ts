import { describe, expect, it } from 'vitest';
import { setupSteps } from './setup-steps';

const done = (facts: Parameters<typeof setupSteps>[0]) => setupSteps(facts).map((s) => s.done);

describe('what a project needs before agents pick up its tickets', () => {
  it('a new project needs all three', () => {
    expect(done({ repositories: 0, agents: 0, workflows: [] })).toEqual([false, false, false]);
  });

  it('a workflow counts once it is active and names an agent, and says which statuses are picked up', () => {
    const noAgent = { active: true, agent: null, pickup: ['Todo'] };
    const steps = setupSteps({ repositories: 1, agents: 1, workflows: [noAgent] });
    expect(steps.map((s) => s.done)).toEqual([true, true, false]);
    expect(steps[2]!.detail).toBe('your workflows name no agent yet: set one in the workflow');
    const ready = { active: true, agent: { name: 'claude' }, pickup: ['Todo'] };
    const inactive = { active: false, agent: { name: 'claude' }, pickup: ['Design'] };
    const last = setupSteps({ repositories: 1, agents: 1, workflows: [ready, inactive] })[2]!;
    expect(last.done).toBe(true);
    expect(last.detail).toBe('tickets moved to Todo are picked up');
  });
});
