/**
 * Text every input may carry: no NUL character (U+0000; PostgreSQL text cannot store it) and no
 * lone UTF-16 surrogate (not encodable as UTF-8). Checked once for a whole input, at the API edge
 * (control-plane/src/api/trpc.ts and the plain HTTP routes), so every text field is covered.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why this string is refused, or null when it is fine. */
export function badTextReason(s: string): string | null {
  if (s.includes('\u0000')) return 'text must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'text must not contain an unpaired UTF-16 surrogate (not valid Unicode)';
  return null;
}

/** The first refused string in a JSON-like value (keys included): its path and reason; null = clean. */
export function findBadText(value: unknown, path: string[] = []): { path: string; reason: string } | null {
  if (typeof value === 'string') {
    const reason = badTextReason(value);
    return reason ? { path: path.join('.'), reason } : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findBadText(value[i], [...path, String(i)]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const keyReason = badTextReason(k);
      if (keyReason) return { path: [...path, '(key)'].join('.'), reason: keyReason };
      const found = findBadText(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * A text on one line (every run of white space, newlines too, as one space), cut to at most `max` characters with an
 * ellipsis: a comment's first words in a notification. Cut between characters, never inside a surrogate pair.
 */
export function excerpt(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const chars = Array.from(line);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line;
}

/** The first line of a multi-line text, with an ellipsis when there is more. */
export function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.length > 1 ? `${lines[0]} …` : (lines[0] ?? '');
}

/** At most `max` characters of a text for a one-line row (a tool's input, a command), with an ellipsis when cut. */
export function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
