import { describe, expect, it } from 'vitest';
import { defaultPricing, envNameSchema } from './agents.js';
import { parseRunScope } from './run-scopes.js';

describe('agent contracts', () => {
  it('finds default prices by the longest model prefix', () => {
    expect(defaultPricing('claude-opus-4-1')).toEqual({ input: 15, output: 75, cached: 1.5 });
    expect(defaultPricing('gpt-5-mini-2025')).toEqual({ input: 0.25, output: 2, cached: 0.025 });
    expect(defaultPricing('gpt-5.1-codex')).toEqual({ input: 1.25, output: 10, cached: 0.125 });
    expect(defaultPricing('GEMINI-2.5-flash')).toMatchObject({ input: 0.3 });
    expect(defaultPricing('llama-3')).toBeNull();
    expect(defaultPricing(null)).toBeNull();
  });

  it('accepts shell env names and reserves OPENASE_', () => {
    expect(envNameSchema.safeParse('ANTHROPIC_API_KEY').success).toBe(true);
    for (const bad of ['1X', 'A-B', 'A B', 'OPENASE_TOKEN', ''])
      expect(envNameSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe('run token scopes', () => {
  it('parses plain and move-to-status scopes and refuses unknown ones', () => {
    expect(parseRunScope('tickets.comment')).toEqual({ scope: 'tickets.comment' });
    expect(parseRunScope('tickets.move:In Progress')).toEqual({ moveTo: 'In Progress' });
    expect(parseRunScope('tickets.move:')).toBeNull();
    expect(parseRunScope('tickets.delete')).toBeNull();
    expect(parseRunScope('toString')).toBeNull();
  });
});
