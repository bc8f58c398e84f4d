/**
 * The template file of `openase job create --template FILE`: Markdown with YAML front matter,
 * the same shape as a harness file. The front matter holds the ticket fields, the body is the
 * ticket description:
 *
 *   ---
 *   title: Dependency updates {{date}}
 *   status: Todo
 *   priority: medium
 *   labels: [deps]
 *   workflow: coding
 *   ---
 *   Update the dependencies of week {{week}}.
 *
 * Unknown keys are an error (a typo would otherwise be silently dropped).
 */
import { jobTemplateSchema, type JobTemplateInput } from '@openase/shared';
import { parseFrontMatterYaml, splitFrontMatter, yamlData } from '../kernel/frontmatter.js';

const KEYS = ['title', 'status', 'priority', 'labels', 'workflow', 'description'];

export function parseTemplateFile(text: string): JobTemplateInput {
  const split = splitFrontMatter(text);
  if ('message' in split)
    throw new Error(
      split.message.replace('a harness file', 'a job template file') + ' (the body after it is the ticket description)',
    );
  const yaml = parseFrontMatterYaml(split);
  if (yaml.problems.length) throw new Error(`line ${yaml.problems[0]!.line}: ${yaml.problems[0]!.message}`);
  const read = yamlData(yaml.doc);
  if (!read.ok) throw new Error(read.problem.message);
  const data = read.data;
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new Error('the front matter must be a mapping with at least `title:`');
  const unknown = Object.keys(data).filter((k) => !KEYS.includes(k));
  if (unknown.length)
    throw new Error(`unknown front matter key(s) ${unknown.join(', ')}; known are ${KEYS.join(', ')}`);
  const fields = data as Record<string, unknown>;
  if ('description' in fields && split.body.trim())
    throw new Error('give the description either as `description:` or as the body, not both');
  const parsed = jobTemplateSchema.safeParse({
    ...fields,
    description: 'description' in fields ? fields.description : split.body.trim(),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join('.') || 'front matter'}: ${issue.message}`);
  }
  return parsed.data;
}
