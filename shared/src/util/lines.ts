/**
 * Splits a text stream into lines (any chunking) and hands each complete, non-blank line on
 * (a trailing `\r` removed). A line longer than `maxLine` is not buffered without bound: by
 * default its first part is handed on as a line and the rest follows as further lines; with
 * `onOverflow`, that callback gets the first `maxLine + 1` characters and the rest of the line is
 * dropped up to its newline (a frame reader refuses the oversized frame once).
 */
export class LineSplitter {
  private buffer = '';
  private dropping = false;
  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 16 * 1024 * 1024,
    private readonly onOverflow?: (head: string) => void,
  ) {}

  push(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const line = (this.buffer + chunk.slice(start, nl)).replace(/\r$/, '');
      this.buffer = '';
      start = nl + 1;
      if (this.dropping) this.dropping = false;
      else if (line.trim() !== '') this.onLine(line);
    }
    if (this.dropping) return;
    this.buffer += chunk.slice(start);
    if (this.buffer.length > this.maxLine) {
      if (this.onOverflow) {
        this.onOverflow(this.buffer.slice(0, this.maxLine + 1));
        this.dropping = true;
      } else this.onLine(this.buffer);
      this.buffer = '';
    }
  }

  /** Flushes a last line without a newline. */
  end(): void {
    if (!this.dropping && this.buffer.trim() !== '') this.onLine(this.buffer.replace(/\r$/, ''));
    this.buffer = '';
    this.dropping = false;
  }
}
