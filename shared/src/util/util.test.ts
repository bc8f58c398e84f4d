import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';
import { LineSplitter } from './lines.js';
import { shellQuote } from './shell.js';

describe('backoffDelay', () => {
  it('grows by the factor from the base up to the cap', () => {
    const at = (n: number) => backoffDelay(n, { baseMs: 1000, maxMs: 64_000 });
    expect([0, 1, 2, 6, 7, 30, 5000].map(at)).toEqual([1000, 2000, 4000, 64_000, 64_000, 64_000, 64_000]);
    expect(backoffDelay(2, { baseMs: 100, factor: 4 })).toBe(1600);
    expect(backoffDelay(10_000, { baseMs: 1 })).toBe(2 ** 40);
  });

  it('jitters into the upper half of the delay', () => {
    const opts = { baseMs: 1000, maxMs: 64_000, jitter: true };
    expect(backoffDelay(3, { ...opts, random: () => 1 })).toBe(8000);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(4000);
    expect(backoffDelay(10, { ...opts, random: () => 0 })).toBe(32_000);
  });
});

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

  it('with onOverflow, hands on the head of an oversized line once and drops the rest of it', () => {
    const lines: string[] = [];
    const heads: string[] = [];
    const splitter = new LineSplitter(
      (line) => lines.push(line),
      10,
      (head) => heads.push(head),
    );
    splitter.push('ok\n' + 'y'.repeat(15));
    splitter.push('y'.repeat(20));
    splitter.push('yy\nnext\n');
    expect(heads).toEqual(['y'.repeat(11)]);
    expect(lines).toEqual(['ok', 'next']);
  });
});

describe('shellQuote', () => {
  it('gives the shell back the exact word, quotes and spaces included', () => {
    const word = `it's a "word" with $HOME and \\ `;
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
    expect(execFileSync('/bin/sh', ['-c', `printf %s ${shellQuote(word)}`], { encoding: 'utf8' })).toBe(word);
  });
});
