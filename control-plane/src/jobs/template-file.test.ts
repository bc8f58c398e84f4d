import { describe, expect, it } from 'vitest';
import { parseTemplateFile } from './template-file.js';

describe('job template files', () => {
  it('reads the ticket fields from the front matter and the description from the body', () => {
    const template = parseTemplateFile(
      '---\ntitle: "Deps {{date}}"\nstatus: Todo\npriority: high\nlabels: [deps, weekly]\nworkflow: coding\n---\nUpdate week {{week}}.\n',
    );
    expect(template).toEqual({
      title: 'Deps {{date}}',
      status: 'Todo',
      priority: 'high',
      labels: ['deps', 'weekly'],
      workflow: 'coding',
      description: 'Update week {{week}}.',
    });
  });

  it('refuses files that are not templates, with a one-line reason', () => {
    expect(() => parseTemplateFile('just text')).toThrow(/a job template file starts with a `---` line/);
    expect(() => parseTemplateFile('---\ntitle: [unclosed\n---\n')).toThrow(/^line \d+: /);
    expect(() => parseTemplateFile('---\ntitel: Typo\n---\n')).toThrow(/unknown front matter key\(s\) titel/);
    expect(() => parseTemplateFile('---\ntitle: X\npriority: asap\n---\n')).toThrow(/^priority: /);
    expect(() => parseTemplateFile('---\nstatus: Todo\n---\n')).toThrow(/^title: /);
    expect(() => parseTemplateFile('---\ntitle: X\ndescription: a\n---\nb\n')).toThrow(
      /either as `description:` or as the body/,
    );
  });
});
