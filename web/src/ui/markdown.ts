/**
 * The console's one Markdown renderer: ticket descriptions, comments, review comments, run
 * transcripts and Project AI answers all go through `renderMarkdown` (or `MarkdownView.vue`).
 * Raw HTML is off (escaped, never rendered) and markdown-it's link validation drops
 * `javascript:`, `vbscript:`, `file:` and most `data:` URLs, so hostile text renders as text.
 * Links open in a new tab without access to this one. GitHub-style task list items (`- [ ]`,
 * `- [x]`) render as read-only checkboxes.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt({ html: false, linkify: true, breaks: true });
type StateCore = Parameters<Parameters<typeof md.core.ruler.push>[1]>[0];
const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('target', '_blank');
  tokens[idx]!.attrSet('rel', 'noopener noreferrer nofollow');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

const TASK = /^\[([ xX])\]\s+/;
/** `- [ ] text` → a list item with class `task` whose inline text starts with a checkbox token. */
function taskLists(state: StateCore) {
  const tokens = state.tokens;
  for (let i = 2; i < tokens.length; i++) {
    const inline = tokens[i]!;
    if (
      inline.type !== 'inline' ||
      tokens[i - 1]!.type !== 'paragraph_open' ||
      tokens[i - 2]!.type !== 'list_item_open'
    )
      continue;
    const first = inline.children?.[0];
    const match = first?.type === 'text' ? TASK.exec(first.content) : null;
    if (!first || !match) continue;
    first.content = first.content.slice(match[0].length);
    const box = new state.Token('html_inline', '', 0);
    const checked = match[1] !== ' ';
    // Generated markup, not user HTML: only these fixed strings are emitted.
    // A fixed aria-label: a checkbox needs a name (axe "label"), and the item's text follows it.
    box.content = checked
      ? '<input type="checkbox" class="task-box" disabled checked aria-label="done"> '
      : '<input type="checkbox" class="task-box" disabled aria-label="not done"> ';
    inline.children!.unshift(box);
    tokens[i - 2]!.attrJoin('class', 'task');
    const list = findListOpen(tokens, i - 2);
    list?.attrJoin('class', 'task-list');
  }
}
function findListOpen(tokens: StateCore['tokens'], from: number) {
  const level = tokens[from]!.level - 1;
  for (let j = from - 1; j >= 0; j--) {
    const t = tokens[j]!;
    if (t.level === level && (t.type === 'bullet_list_open' || t.type === 'ordered_list_open'))
      return String(t.attrGet('class') ?? '').includes('task-list') ? null : t;
  }
  return null;
}
md.core.ruler.push('task_lists', taskLists);

export function renderMarkdown(text: string): string {
  return md.render(text);
}
