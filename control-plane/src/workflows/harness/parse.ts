/**
 * Parses and checks a harness file without any database: front matter syntax and schema, run
 * token scopes, and the body template. Collects every problem instead of stopping at the first.
 * Checks against a project (statuses, agent, skills) are in ../validate-project.ts.
 */
import type { Template } from 'liquidjs';
import type { Document, LineCounter } from 'yaml';
import { LIMITS, parseRunScope, RUN_TOKEN_SCOPE_NAMES } from '@openase/shared';
import { parseFrontMatterYaml, splitFrontMatter, yamlData } from '../../kernel/frontmatter.js';
import { locateLine } from './locate.js';
import { harnessSchema, type Harness } from './schema.js';
import { checkTemplate } from './template.js';
import { formatPath, type Problem } from './types.js';

export interface ParsedHarness {
  /** Null when the file has any problem. */
  harness: Harness | null;
  /** The front matter as plain data even when it has problems (for checks that report more of them). */
  raw: Record<string, unknown> | null;
  body: string;
  bodyStartLine: number;
  templates: Template[] | null;
  problems: Problem[];
  /** File line of a front matter path (for checks made later, e.g. against a project). */
  lineOf(path: readonly PropertyKey[]): number;
}

export function parseHarness(text: string): ParsedHarness {
  const none: ParsedHarness = {
    harness: null,
    raw: null,
    body: '',
    bodyStartLine: 1,
    templates: null,
    problems: [],
    lineOf: () => 1,
  };
  if (text.length > LIMITS.harnessMax)
    return {
      ...none,
      problems: [{ line: 1, field: '(file)', message: `a harness file has at most ${LIMITS.harnessMax} characters` }],
    };
  if (text.includes('\u0000'))
    return {
      ...none,
      problems: [{ line: 1, field: '(file)', message: 'a harness file is text: it contains a NUL byte' }],
    };
  const split = splitFrontMatter(text);
  if ('message' in split) return { ...none, problems: [split] };
  const { doc, counter, problems } = parseFrontMatterYaml(split);
  const lineOf = (path: readonly PropertyKey[]) => locateLine(doc, counter, path, 1);
  let harness: Harness | null = null;
  const raw = problems.length === 0 ? frontMatterData(doc, problems) : null;
  if (raw) {
    const result = harnessSchema.safeParse(raw);
    if (result.success) harness = result.data;
    else problems.push(...schemaProblems(result.error.issues, doc, counter));
    problems.push(...scopeProblems(raw, lineOf));
  }
  const template = checkTemplate(split.body, split.bodyStartLine);
  problems.push(...template.problems);
  problems.sort((a, b) => a.line - b.line);
  return {
    harness: problems.length ? null : harness,
    raw,
    body: split.body,
    bodyStartLine: split.bodyStartLine,
    templates: template.templates,
    problems,
    lineOf,
  };
}

/** The front matter as plain data, or null with a problem (not a mapping; an alias bomb). */
function frontMatterData(doc: Document, problems: Problem[]): Record<string, unknown> | null {
  const read = yamlData(doc);
  if (!read.ok) {
    problems.push(read.problem);
    return null;
  }
  const data = read.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    problems.push({
      line: 1,
      field: '(front matter)',
      message: 'the front matter must be a YAML mapping of fields (name: …, pickup: …)',
    });
    return null;
  }
  return data as Record<string, unknown>;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

function schemaProblems(issues: readonly Issue[], doc: Document, counter: LineCounter): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.keys) {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({
          line: locateLine(doc, counter, path, 1),
          field: formatPath(path),
          message: `unknown field "${key}"`,
        });
      }
      continue;
    }
    const missing = /received undefined/.test(issue.message);
    out.push({
      line: locateLine(doc, counter, issue.path, 1),
      field: formatPath(issue.path),
      message: missing ? 'is required' : issue.message,
    });
  }
  return out;
}

function scopeProblems(data: Record<string, unknown>, lineOf: (path: readonly PropertyKey[]) => number): Problem[] {
  const scopes = data.scopes;
  if (!Array.isArray(scopes)) return [];
  const out: Problem[] = [];
  scopes.forEach((entry, i) => {
    if (typeof entry === 'string' && !parseRunScope(entry)) {
      out.push({
        line: lineOf(['scopes', i]),
        field: `scopes[${i}]`,
        message: `unknown scope "${entry}"; known: ${RUN_TOKEN_SCOPE_NAMES.join(', ')}, tickets.move:<Status>`,
      });
    }
  });
  return out;
}
