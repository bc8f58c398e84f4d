import { describe, expect, it } from 'vitest';
import { isValidTimeZone, renderTemplateText, templateProblems } from './job-template.js';

const ctx = { at: new Date('2026-03-30T07:05:09Z'), timeZone: 'Europe/Berlin', jobName: 'standup' };

describe('job template placeholders', () => {
  it('renders every placeholder in the job time zone', () => {
    expect(
      renderTemplateText('{{date}} {{time}} {{weekday}} {{week}} {{month}} {{year}} {{timezone}} {{job}}', ctx),
    ).toBe('2026-03-30 09:05 Monday 14 March 2026 Europe/Berlin standup');
    expect(renderTemplateText('{{datetime}}', ctx)).toBe('2026-03-30 09:05');
    expect(renderTemplateText('Report {{date:DD.MM.YYYY}} ({{date:ddd D MMM YY, HH:mm:ss}}) W{{date:WW}}', ctx)).toBe(
      'Report 30.03.2026 (Mon 30 Mar 26, 09:05:09) W14',
    );
    expect(renderTemplateText('{{ date }}', { ...ctx, timeZone: 'America/Los_Angeles' })).toBe('2026-03-30');
    // Late in the evening UTC is already tomorrow in Tokyo.
    expect(
      renderTemplateText('{{date}} {{weekday}}', {
        ...ctx,
        at: new Date('2026-03-29T20:00:00Z'),
        timeZone: 'Asia/Tokyo',
      }),
    ).toBe('2026-03-30 Monday');
  });

  it('leaves text without placeholders alone', () => {
    expect(templateProblems('Weekly dependency update', 'title')).toEqual([]);
    expect(renderTemplateText('a } b { c', ctx)).toBe('a } b { c');
  });

  it('refuses unknown placeholders, unknown format tokens and unbalanced braces', () => {
    expect(templateProblems('Report {{dat}}', 'title')[0]).toMatch(
      /title: unknown placeholder \{\{dat\}\}; known are \{\{date\}\}/,
    );
    expect(templateProblems('{{date:YYYY-Q}}', 'title')[0]).toMatch(/unknown token "Q" in \{\{date:YYYY-Q\}\}/);
    expect(templateProblems('{{date:}}', 'title')[0]).toMatch(/needs a format/);
    expect(templateProblems('{{weekday:long}}', 'title')[0]).toMatch(/unknown placeholder/);
    expect(templateProblems('Report {{date', 'description')[0]).toMatch(/description: unbalanced/);
    expect(templateProblems('{{}}', 'title')[0]).toMatch(/unknown placeholder/);
  });

  it('knows IANA time zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
