import { describe, expect, it } from 'vitest';
import { sharedPickups } from './workflows.js';

describe('statuses more than one active workflow picks up', () => {
  const fullStack = { name: 'full-stack-developer', active: true, pickup: ['Todo', 'In Progress'] };

  it('lists each shared status once, its workflows in the order tried (the first by name gets the tickets)', () => {
    const dev = { name: 'dev', active: true, pickup: ['Todo'] };
    const zz = { name: 'zz', active: true, pickup: ['todo', 'In Progress'] };
    expect(sharedPickups([fullStack, zz, dev])).toEqual([
      { status: 'Todo', workflows: ['dev', 'full-stack-developer', 'zz'] },
      { status: 'In Progress', workflows: ['full-stack-developer', 'zz'] },
    ]);
  });

  it('leaves out inactive workflows and statuses one workflow picks up', () => {
    expect(sharedPickups([fullStack, { name: 'dev', active: false, pickup: ['Todo'] }])).toEqual([]);
    expect(sharedPickups([fullStack, { name: 'triage', active: true, pickup: ['Backlog'] }])).toEqual([]);
  });
});
