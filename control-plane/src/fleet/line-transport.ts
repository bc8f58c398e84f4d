/**
 * The protocol over a byte stream as JSON lines (a child's stdio, an SSH exec channel): each
 * frame is one line. A line longer than MAX_FRAME_BYTES is refused without buffering it whole.
 */
import type { Readable } from 'node:stream';
import { LineSplitter, MAX_FRAME_BYTES } from '@openase/shared';
import type { FleetHub } from './hub.js';

export interface LineStream {
  input: Readable;
  write(line: string): void;
  /** Ends the transport (the hub closes sessions with a code; here it means: stop the daemon). */
  end(code: number, reason: string): void;
}

export function connectLines(
  hub: FleetHub,
  machine: { id: string; name: string },
  stream: LineStream,
): { closed(): void } {
  const conn = hub.connect(machine, {
    transport: 'lines',
    send: (frame) => stream.write(`${JSON.stringify(frame)}\n`),
    close: (code, reason) => stream.end(code, reason),
    // Backpressure (session.ts): a paused pipe or SSH channel fills, and the daemon's writes wait.
    pause: () => stream.input.pause(),
    resume: () => stream.input.resume(),
  });
  // An oversized frame goes to the hub cut, so it answers and closes the same way as for WebSocket.
  const lines = new LineSplitter(
    (line) => conn.receive(line),
    MAX_FRAME_BYTES,
    (head) => conn.receive(head),
  );
  stream.input.setEncoding('utf8');
  stream.input.on('data', (chunk: string) => lines.push(chunk));
  return { closed: () => conn.closed() };
}
