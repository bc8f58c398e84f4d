import { describe, expect, it } from 'vitest';
import { isPermanent, withoutCliHint } from './errors';

describe('console error wording', () => {
  it('drops the CLI hint the server adds for terminal users', () => {
    expect(withoutCliHint('project "nope" does not exist; `openase project list` shows the projects you can use')).toBe(
      'project "nope" does not exist',
    );
    expect(withoutCliHint("ACME-1's project has no repository; add one with `openase repo add URL`")).toBe(
      "ACME-1's project has no repository",
    );
    expect(withoutCliHint('the title is required')).toBe('the title is required');
  });

  it('tells errors a retry cannot fix from the others', () => {
    expect(isPermanent('project "nope" does not exist')).toBe(true);
    expect(isPermanent('cannot reach the server; check that it is running and try again')).toBe(false);
  });
});
