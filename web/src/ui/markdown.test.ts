import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './markdown';

describe('renderMarkdown', () => {
  it('renders Markdown', () => {
    expect(renderMarkdown('**bold** and `code`')).toBe('<p><strong>bold</strong> and <code>code</code></p>\n');
  });

  it('escapes raw HTML instead of rendering it', () => {
    const html = renderMarkdown('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>');
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain('&lt;script&gt;');
  });

  it('drops dangerous link targets and opens safe links in a new tab without opener', () => {
    expect(renderMarkdown('[x](javascript:alert(1))')).not.toMatch(/href/);
    expect(renderMarkdown('[x](vbscript:msgbox)')).not.toMatch(/href/);
    const safe = renderMarkdown('[docs](https://example.com/a)');
    expect(safe).toContain('href="https://example.com/a"');
    expect(safe).toContain('rel="noopener noreferrer nofollow"');
    expect(safe).toContain('target="_blank"');
  });

  it('escapes attribute breakouts in link text and titles', () => {
    const html = renderMarkdown('[a" onmouseover="x](https://e.com "t\\" onclick=\\"y")');
    expect(html).not.toMatch(/ onmouseover="/);
    expect(html).not.toMatch(/ onclick="/);
  });
});

describe('task lists', () => {
  it('renders `- [ ]` and `- [x]` items as read-only checkboxes, and leaves other lists alone', () => {
    const html = renderMarkdown('- [ ] write tests\n- [x] ship\n\nand\n\n- plain [ ] item');
    expect(html).toContain('<ul class="task-list">');
    expect(html).toContain(
      '<li class="task"><input type="checkbox" class="task-box" disabled aria-label="not done"> write tests</li>',
    );
    expect(html).toContain('<input type="checkbox" class="task-box" disabled checked aria-label="done"> ship');
    expect(html).toContain('<li>plain [ ] item</li>');
    expect(html).not.toContain('[x]');
  });

  it('keeps escaping HTML inside task items', () => {
    const html = renderMarkdown('- [ ] <img src=x onerror=alert(1)>');
    expect(html).not.toMatch(/<img/);
    expect(html).toContain('&lt;img');
  });
});
