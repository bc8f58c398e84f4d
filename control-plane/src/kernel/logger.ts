/**
 * The control plane's log: pino, one JSON object per line when stdout is not a terminal (for a
 * collector), one human line on a terminal. `OPENASE_LOG_FORMAT=json|pretty` forces either,
 * `OPENASE_LOG_LEVEL` sets the level (debug, info — the default —, warn, error, silent).
 *
 * Every record carries `replica` (set by the server); records about something carry its id in a
 * field of a fixed name (LogFields), so one `jq 'select(.run == "…")'` follows a run across
 * replicas. Messages stay sentences a person reads; the fields are for machines.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { LineSplitter } from '@openase/shared';

export type Logger = pino.Logger;

/** The field names records use for what they are about. */
export interface LogFields {
  replica?: string;
  /** A request id (X-Request-Id from the proxy, or generated): every record of one HTTP request. */
  req?: string;
  project?: string;
  /** A ticket identifier (ABC-12) or id. */
  ticket?: string;
  run?: string;
  machine?: string;
  component?: string;
  err?: unknown;
  [key: string]: unknown;
}

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  format?: LogFormat;
  level?: string;
  /** Where lines go (default stdout). */
  stream?: NodeJS.WritableStream | pino.DestinationStream;
  base?: LogFields;
}

export function logFormatFromEnv(env: NodeJS.ProcessEnv = process.env, tty = Boolean(process.stdout.isTTY)): LogFormat {
  const wanted = env.OPENASE_LOG_FORMAT;
  if (wanted === 'json' || wanted === 'pretty') return wanted;
  if (wanted) throw new Error(`OPENASE_LOG_FORMAT must be json or pretty, got "${wanted}"`);
  return tty ? 'pretty' : 'json';
}

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const level = env.OPENASE_LOG_LEVEL || 'info';
  if (!LEVELS.has(level)) throw new Error(`OPENASE_LOG_LEVEL must be one of ${[...LEVELS].join(', ')}, got "${level}"`);
  return level;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.stream ?? pino.destination({ dest: 1, sync: true });
  const format = opts.format ?? logFormatFromEnv();
  return pino(
    {
      level: opts.level ?? logLevelFromEnv(),
      base: opts.base ?? {},
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    format === 'pretty' ? prettyStream(out) : out,
  );
}

/** No output (tests and tools that have nothing to say). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A logger handing each record's message to a function (callers that want lines, not records). */
export function lineLogger(write: (line: string) => void, level = 'info'): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      write(String((JSON.parse(chunk.toString()) as LogFields).msg ?? ''));
      done();
    },
  });
  return pino({ level, base: {} }, stream);
}

/** A logger keeping every record in memory (tests assert on what was logged). */
export function captureLogger(): { log: Logger; records: LogFields[]; lines(): string[] } {
  const records: LogFields[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      records.push(JSON.parse(chunk.toString()) as LogFields);
      done();
    },
  });
  const log = pino({ level: 'debug', base: {} }, stream);
  return { log, records, lines: () => records.map((r) => String(r.msg)) };
}

const HIDDEN = new Set(['time', 'level', 'msg', 'replica', 'component', 'err']);

/** `12:00:01 WARN  message  machine=box-1 run=…`, and an error's stack on the lines after it. */
export function formatPretty(record: Record<string, unknown>): string {
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const level = String(record.level ?? '').toUpperCase();
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  let line = `${time} ${level.padEnd(5)} ${String(record.msg ?? '')}`;
  if (fields.length) line += `  ${fields.join(' ')}`;
  const err = record.err as { stack?: string; message?: string } | undefined;
  if (err) line += `\n  ${(err.stack ?? err.message ?? String(err)).split('\n').join('\n  ')}`;
  return `${line}\n`;
}

function prettyStream(out: { write(text: string): unknown }): NodeJS.WritableStream {
  const lines = new LineSplitter((raw) => {
    try {
      out.write(formatPretty(JSON.parse(raw) as Record<string, unknown>));
    } catch {
      out.write(`${raw}\n`);
    }
  });
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
    final(done) {
      lines.end();
      done();
    },
  });
}

/** `err` as a field: the error itself for pino's serializer, or the thrown non-Error as text. */
export function errField(err: unknown): { err: unknown } {
  return { err: err instanceof Error ? err : new Error(String(err)) };
}
