import { describe, expect, it } from 'vitest';
import { envLines, parseEnvLines, parseLabels, parseLines, parsePricing, pricingFields } from './agent-form';

describe('agent form fields', () => {
  it('reads KEY=value lines, keeping = inside values and skipping comments', () => {
    expect(parseEnvLines('A=1\n# note\n\nB = x=y\n')).toEqual({ A: '1', B: ' x=y' });
    expect(envLines({ A: '1', B: 'x=y' })).toBe('A=1\nB=x=y');
  });
  it('refuses a line without a name', () => {
    expect(() => parseEnvLines('=oops')).toThrow(/not KEY=value/);
    expect(() => parseEnvLines('JUSTNAME')).toThrow(/not KEY=value/);
  });
  it('splits args by line and labels by comma', () => {
    expect(parseLines(' --a \n\n--b')).toEqual(['--a', '--b']);
    expect(parseLabels('linux, gpu,,')).toEqual(['linux', 'gpu']);
  });
  it('reads prices: all blank is the model default, otherwise all three numbers', () => {
    expect(parsePricing({ input: '', output: ' ', cached: '' })).toBeUndefined();
    expect(parsePricing({ input: '3', output: '15', cached: '0.3' })).toEqual({ input: 3, output: 15, cached: 0.3 });
    expect(() => parsePricing({ input: '3', output: '', cached: '0' })).toThrow(/output tokens must be a number/);
    expect(() => parsePricing({ input: '-1', output: '1', cached: '0' })).toThrow(/input tokens/);
    expect(pricingFields({ input: 3, output: 15, cached: 0.3 })).toEqual({ input: '3', output: '15', cached: '0.3' });
  });
});
