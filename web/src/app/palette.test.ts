import { describe, expect, it } from 'vitest';
import { matchCommands, type Command } from './palette';

const cmd = (id: string, group: string, label: string, keywords?: string): Command => ({
  id,
  group,
  label,
  keywords,
  run: () => {},
});

describe('command palette matching', () => {
  const all = [
    cmd('b', 'Page', 'Board', 'tickets by status'),
    cmd('t', 'Ticket', 'DEMO-3 Rate-limit the API'),
    cmd('m', 'Move', 'Move DEMO-3 to Done'),
  ];
  it('keeps the commands that contain every typed word', () => {
    expect(matchCommands(all, '').map((c) => c.id)).toEqual(['b', 't', 'm']);
    expect(matchCommands(all, 'demo-3').map((c) => c.id)).toEqual(['t', 'm']);
    expect(matchCommands(all, 'done move').map((c) => c.id)).toEqual(['m']);
    expect(matchCommands(all, 'status').map((c) => c.id)).toEqual(['b']);
    expect(matchCommands(all, 'nothing like it')).toEqual([]);
  });
});
