import { describe, expect, it } from 'vitest';
import { sharedPickupNotes } from './workflow-overlap.js';

const fullStack = { name: 'full-stack-developer', active: true, pickup: ['Todo', 'In Progress'] };

describe('workflows sharing a pickup status', () => {
  it('says which workflow gets the tickets of a status two active workflows pick up', () => {
    const dev = { name: 'dev', active: true, pickup: ['todo'] };
    const [note, ...more] = sharedPickupNotes([fullStack, dev], ['dev']);
    expect(more).toEqual([]);
    expect(note).toMatch(
      /^note: dev and full-stack-developer both pick up Todo; its tickets go to dev \(the first by name\)/,
    );
  });

  it('says nothing for inactive workflows, other statuses, or workflows not just saved', () => {
    expect(sharedPickupNotes([fullStack, { name: 'dev', active: false, pickup: ['Todo'] }], ['dev'])).toEqual([]);
    expect(sharedPickupNotes([fullStack, { name: 'triage', active: true, pickup: ['Backlog'] }], ['triage'])).toEqual(
      [],
    );
    expect(sharedPickupNotes([fullStack, { name: 'dev', active: true, pickup: ['Todo'] }], ['other'])).toEqual([]);
  });
});
