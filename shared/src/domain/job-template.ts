/**
 * Placeholders of a scheduled job's ticket template (docs/jobs.md). The title and description
 * may contain `{{name}}` or `{{date:FORMAT}}`; the values are taken from the fire's scheduled
 * time in the job's time zone. Strict: an unknown placeholder or format token is an error, so a
 * broken template is refused at save time instead of creating odd tickets at 9 a.m.
 *
 * Pure (Intl only): the control plane validates and renders with it, the console previews.
 */

/** Placeholders without arguments and what they give (for help texts and the docs). */
export const JOB_PLACEHOLDERS: Record<string, string> = {
  date: 'the scheduled date, YYYY-MM-DD',
  time: 'the scheduled time, HH:mm (24 h)',
  datetime: 'YYYY-MM-DD HH:mm',
  weekday: 'the weekday name, e.g. Monday',
  week: 'the ISO week number, e.g. 07',
  month: 'the month name, e.g. January',
  year: 'the year, e.g. 2026',
  timezone: "the job's time zone, e.g. Europe/Berlin",
  job: "the job's name",
};

/** Tokens of `{{date:FORMAT}}`; any other letter in FORMAT is an error. Longest first. */
export const JOB_DATE_TOKENS: Record<string, string> = {
  YYYY: 'year, 2026',
  YY: 'two-digit year, 26',
  MMMM: 'month name, January',
  MMM: 'short month name, Jan',
  MM: 'month, 01-12',
  M: 'month, 1-12',
  DD: 'day of month, 01-31',
  D: 'day of month, 1-31',
  dddd: 'weekday name, Monday',
  ddd: 'short weekday name, Mon',
  HH: 'hour, 00-23',
  H: 'hour, 0-23',
  mm: 'minute, 00-59',
  ss: 'second, 00-59',
  WW: 'ISO week, 01-53',
};
const TOKEN_PATTERN = new RegExp(Object.keys(JOB_DATE_TOKENS).join('|'), 'g');
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface TemplateContext {
  /** The scheduled time of the fire (or the moment of a manual run). */
  at: Date;
  timeZone: string;
  jobName: string;
}

/** Problems in a template text: unknown placeholders, bad formats, unbalanced braces. Empty = fine. */
export function templateProblems(text: string, field: string): string[] {
  const problems: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const problem = placeholderProblem(match[1]!);
    if (problem) problems.push(`${field}: ${problem}`);
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}'))
    problems.push(`${field}: unbalanced "{{" or "}}" (placeholders look like {{date}})`);
  return problems;
}

function placeholderProblem(inner: string): string | null {
  const [name, ...formatParts] = inner.split(':');
  const format = formatParts.join(':');
  if (name === 'date' && formatParts.length > 0) {
    if (!format.trim()) return '{{date:}} needs a format, e.g. {{date:YYYY-MM-DD}}';
    const leftover = format.replace(TOKEN_PATTERN, '').match(/[A-Za-z]+/);
    if (leftover)
      return `unknown token "${leftover[0]}" in {{${inner}}}; tokens are ${Object.keys(JOB_DATE_TOKENS).join(', ')}`;
    return null;
  }
  if (formatParts.length === 0 && name! in JOB_PLACEHOLDERS) return null;
  return `unknown placeholder {{${inner}}}; known are ${Object.keys(JOB_PLACEHOLDERS)
    .map((p) => `{{${p}}}`)
    .join(', ')} and {{date:FORMAT}}`;
}

/** Fills the placeholders. Call only with text that passed `templateProblems`. */
export function renderTemplateText(text: string, ctx: TemplateContext): string {
  const parts = dateParts(ctx.at, ctx.timeZone);
  return text.replace(PLACEHOLDER, (whole, inner: string) => {
    const [name, ...formatParts] = inner.split(':');
    if (name === 'date' && formatParts.length > 0) return formatDate(parts, formatParts.join(':'));
    switch (name) {
      case 'date':
        return formatDate(parts, 'YYYY-MM-DD');
      case 'time':
        return formatDate(parts, 'HH:mm');
      case 'datetime':
        return formatDate(parts, 'YYYY-MM-DD HH:mm');
      case 'weekday':
        return parts.weekday;
      case 'week':
        return formatDate(parts, 'WW');
      case 'month':
        return parts.monthName;
      case 'year':
        return String(parts.year);
      case 'timezone':
        return ctx.timeZone;
      case 'job':
        return ctx.jobName;
      default:
        return whole;
    }
  });
}

interface DateParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: string;
  monthName: string;
}

/** The wall-clock fields of `at` in `timeZone` (throws RangeError for an unknown zone). */
export function dateParts(at: Date, timeZone: string): DateParts {
  const fields = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    weekday: 'long',
  }).formatToParts(at);
  const get = (type: string) => fields.find((f) => f.type === type)?.value ?? '';
  const month = Number(get('month'));
  return {
    year: Number(get('year')),
    month,
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    weekday: get('weekday'),
    monthName: new Intl.DateTimeFormat('en-US', { month: 'long', timeZone: 'UTC' }).format(
      new Date(Date.UTC(2000, month - 1, 1)),
    ),
  };
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone }).format(0);
    return timeZone.trim() !== '';
  } catch {
    return false;
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function isoWeek(p: DateParts): number {
  const date = new Date(Date.UTC(p.year, p.month - 1, p.day));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}

function formatDate(p: DateParts, format: string): string {
  return format.replace(TOKEN_PATTERN, (token) => {
    switch (token) {
      case 'YYYY':
        return String(p.year);
      case 'YY':
        return pad(p.year % 100);
      case 'MMMM':
        return p.monthName;
      case 'MMM':
        return p.monthName.slice(0, 3);
      case 'MM':
        return pad(p.month);
      case 'M':
        return String(p.month);
      case 'DD':
        return pad(p.day);
      case 'D':
        return String(p.day);
      case 'dddd':
        return p.weekday;
      case 'ddd':
        return p.weekday.slice(0, 3);
      case 'HH':
        return pad(p.hour);
      case 'H':
        return String(p.hour);
      case 'mm':
        return pad(p.minute);
      case 'ss':
        return pad(p.second);
      case 'WW':
        return pad(isoWeek(p));
      default:
        return token;
    }
  });
}

/** A fire time as people read it: `Mon 2026-03-30 09:00:00 GMT+2` in the job's zone. */
export function formatJobTime(at: Date | string, timeZone: string): string {
  const date = typeof at === 'string' ? new Date(at) : at;
  const zone =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
      .formatToParts(date)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  return `${formatDate(dateParts(date, timeZone), 'ddd YYYY-MM-DD HH:mm:ss')} ${zone}`;
}
