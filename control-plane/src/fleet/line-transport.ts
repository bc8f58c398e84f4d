/**
 * The protocol over a byte stream as JSON lines (a child's stdio, an SSH exec channel): each
 * frame is one line. A line longer than MAX_FRAME_BYTES is refused without buffering it whole.
 */
import type { Readable } from 'node:stream';
import { MAX_FRAME_BYTES } from '@openase/shared';
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
  });
  let buffer = '';
  let oversized = false;
  stream.input.setEncoding('utf8');
  stream.input.on('data', (chunk: string) => {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const line = buffer + chunk.slice(start, nl);
      buffer = '';
      start = nl + 1;
      if (oversized) {
        oversized = false;
        continue;
      }
      if (line.trim()) conn.receive(line);
    }
    if (oversized) return;
    buffer += chunk.slice(start);
    if (buffer.length > MAX_FRAME_BYTES) {
      // Hand the hub an oversized frame so it answers and closes the same way as for WebSocket.
      conn.receive(buffer.slice(0, MAX_FRAME_BYTES + 1));
      buffer = '';
      oversized = true;
    }
  });
  return { closed: () => conn.closed() };
}
