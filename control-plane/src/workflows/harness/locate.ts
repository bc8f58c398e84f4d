import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/**
 * Finds the file line of a value in the front matter by walking the YAML node tree along `path`.
 * For a map entry the line of its key is used (block sequences start on the line after the key).
 * If the path does not exist (e.g. a missing required key) the deepest existing ancestor is used.
 * `offset` is the number of file lines before the front matter text (the opening `---`).
 */
export function locateLine(doc: Document, counter: LineCounter, path: readonly PropertyKey[], offset: number): number {
  let node: unknown = doc.contents;
  let line = offset; // the `---` line when nothing better is known
  for (const seg of path) {
    const step = stepInto(node, seg);
    if (!step) break;
    if (step.at !== undefined) line = counter.linePos(step.at).line + offset;
    node = step.node;
  }
  return line;
}

function stepInto(node: unknown, seg: PropertyKey): { node: unknown; at: number | undefined } | null {
  if (isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
    if (!pair) return null;
    return { node: pair.value, at: rangeStart(pair.key) ?? rangeStart(pair.value) };
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    if (item === undefined) return null;
    return { node: item, at: rangeStart(item) };
  }
  return null;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
