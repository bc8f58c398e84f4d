import { describe, expect, it } from 'vitest';
import { wsUrl } from './reverse.js';

describe('reverse transport helpers', () => {
  it('derives the WebSocket URL from the control plane URL', () => {
    expect(wsUrl('http://cp:19836')).toBe('ws://cp:19836/agent/ws');
    expect(wsUrl('https://cp.example/base/')).toBe('wss://cp.example/base/agent/ws');
  });
});
