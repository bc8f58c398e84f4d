import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '@openase/shared/events/run-events';
import { Spool } from './spool.js';

const out = (text: string): RunEvent => ({ type: 'output', stream: 'stdout', text });
const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-')), 'spool.jsonl');
const limits = { maxEvents: 1000, maxBytes: 1 << 20 };

describe('durable spool', () => {
  it('numbers events from 1, keeps per-event offsets, and recovers them after a reopen', () => {
    const file = tmpFile();
    const spool = Spool.open(file, limits);
    spool.append([
      { event: out('a'), o: { stdout: 2, stderr: 0 } },
      { event: out('b'), o: { stdout: 4, stderr: 0 } },
    ]);
    expect(spool.unacked.map((e) => e.seq)).toEqual([1, 2]);
    spool.ack(1);
    expect(spool.unacked.map((e) => e.seq)).toEqual([2]);
    const again = Spool.open(file, limits);
    expect(again.nextSeq).toBe(3);
    expect(again.cursor.o).toEqual({ stdout: 4, stderr: 0 });
    expect(again.unacked.map((e) => (e.event as { text: string }).text)).toEqual(['a', 'b']);
  });

  it('cuts a torn last record (a crash mid-write) and resumes from the last whole one', () => {
    const file = tmpFile();
    Spool.open(file, limits).append([
      { event: out('a'), o: { stdout: 2, stderr: 0 } },
      { event: out('b'), o: { stdout: 4, stderr: 0 } },
    ]);
    const whole = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, whole.slice(0, whole.length - 10)); // the second record is torn
    const recovered = Spool.open(file, limits);
    expect(recovered.nextSeq).toBe(2);
    expect(recovered.cursor.o.stdout).toBe(2); // line "b" will be read and spooled again, once
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    recovered.append([{ event: out('b'), o: { stdout: 4, stderr: 0 } }]);
    expect(Spool.open(file, limits).unacked.map((e) => [e.seq, (e.event as { text: string }).text])).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('counts events past the cap instead of losing them silently, across a reopen', () => {
    const file = tmpFile();
    const spool = Spool.open(file, { maxEvents: 5, maxBytes: 1 << 20 });
    spool.append(
      Array.from({ length: 10 }, (_, i) => ({ event: out(`l${i}`), o: { stdout: (i + 1) * 3, stderr: 0 } })),
    );
    expect(spool.lastSeq).toBe(4); // one slot stays free for the truncation marker
    expect(spool.cursor).toEqual({ o: { stdout: 30, stderr: 0 }, d: { events: 6, bytes: expect.any(Number) } });
    const again = Spool.open(file, { maxEvents: 5, maxBytes: 1 << 20 });
    expect(again.cursor.d.events).toBe(6);
    expect(again.cursor.o.stdout).toBe(30);
    again.append(
      [{ event: { type: 'truncation', droppedEvents: 6, droppedBytes: 1, message: 'cut' }, o: again.cursor.o }],
      { force: true },
    );
    expect(again.lastSeq).toBe(5);
  });
});
