/**
 * Splits a byte stream into lines (any chunking) and hands each complete line on. A line longer
 * than `maxLine` is cut rather than buffered without bound.
 */
export class LineSplitter {
  private buffer = '';
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 16 * 1024 * 1024,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let index: number;
    while ((index = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, index).replace(/\r$/, '');
      this.buffer = this.buffer.slice(index + 1);
      if (line.trim() !== '') this.onLine(line);
    }
    if (this.buffer.length > this.maxLine) {
      this.onLine(this.buffer);
      this.buffer = '';
    }
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (this.buffer.trim() !== '') this.onLine(this.buffer);
    this.buffer = '';
  }
}

/** Parses a JSON object line; anything else (text, arrays, broken JSON) is `undefined`. */
export function parseJsonObject(line: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Small readers for untyped JSON. */
export const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
export const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
export const obj = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
export const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
