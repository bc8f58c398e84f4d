import { describe, expect, it } from 'vitest';
import { LineSplitter, parseJsonObject } from './json-lines.js';

describe('LineSplitter', () => {
  it('joins chunks split anywhere, skips blank lines and flushes the last line', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('{"a":');
    splitter.push('1}\r\n\n{"b"');
    splitter.push(':2}\ntail');
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', 'tail']);
  });

  it('cuts a line that grows past the limit instead of buffering forever', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line), 10);
    splitter.push('x'.repeat(25));
    expect(lines).toEqual(['x'.repeat(25)]);
  });
});

describe('parseJsonObject', () => {
  it('accepts objects only', () => {
    expect(parseJsonObject('{"type":"x"}')).toEqual({ type: 'x' });
    expect(parseJsonObject('[1]')).toBeUndefined();
    expect(parseJsonObject('not json')).toBeUndefined();
    expect(parseJsonObject('null')).toBeUndefined();
  });
});
