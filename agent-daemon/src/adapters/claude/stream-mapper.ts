/**
 * Claude Code `--output-format stream-json --verbose` → normalized run events.
 * One instance per session: it remembers tool calls (to map their results onto `command` and
 * `file.change`), the tool uses the daemon denied, and the session id.
 */
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { clipped, rawEvent } from '../common/cli-process.js';
import { arr, num, obj, parseJsonObject, str } from '../common/json-lines.js';
import { isRateLimit, parseResetAt } from '../common/rate-limit.js';
import { decideTool, type ToolRules } from '../common/tool-rules.js';

export interface ClaudeResult {
  ok: boolean;
  subtype: string;
  text?: string;
  apiErrorStatus?: number;
  usage: { inputTokens: number; outputTokens: number; cachedTokens: number };
  totalCostUsd?: number;
  errors: string[];
  permissionDenials: string[];
}

export interface ClaudePermissionRequest {
  requestId: string;
  toolName: string;
  input: Record<string, unknown>;
  toolUseId?: string;
}

export interface ClaudeMapped {
  events: RunEvent[];
  permission?: ClaudePermissionRequest;
  /** A control_response to one of our own control requests. */
  controlResponse?: { requestId: string; ok: boolean; error?: string };
  result?: ClaudeResult;
}

export class ClaudeStreamMapper {
  sessionId: string | undefined;
  private readonly toolCalls = new Map<string, { name: string; input: Record<string, unknown> }>();
  private readonly deniedByDaemon = new Set<string>();

  constructor(
    private readonly rules: ToolRules,
    private readonly workdir?: string,
  ) {}

  /** The daemon refused this tool use through the permission prompt. */
  markDenied(toolUseId: string): void {
    this.deniedByDaemon.add(toolUseId);
  }

  map(line: string): ClaudeMapped {
    const message = parseJsonObject(line);
    if (!message) return { events: [rawEvent('claude', line)] };
    switch (message.type) {
      case 'system':
        return this.system(message, line);
      case 'assistant':
        return { events: this.assistant(message) };
      case 'user':
        return { events: this.user(message) };
      case 'result':
        return this.result(message);
      case 'control_request':
        return this.controlRequest(message, line);
      case 'control_response': {
        const response = obj(message.response);
        return {
          events: [],
          controlResponse: {
            requestId: str(response?.request_id) ?? '',
            ok: response?.subtype === 'success',
            ...(str(response?.error) ? { error: str(response?.error) } : {}),
          },
        };
      }
      case 'stream_event':
        return { events: this.streamEvent(message) };
      case 'rate_limit_event':
        return { events: this.rateLimitEvent(message) };
      default:
        return { events: [rawEvent('claude', line)] };
    }
  }

  private system(message: Record<string, unknown>, line: string): ClaudeMapped {
    switch (message.subtype) {
      case 'init': {
        const sessionId = str(message.session_id);
        if (!sessionId || sessionId === this.sessionId) return { events: [] }; // each turn repeats init
        this.sessionId = sessionId;
        const tools = arr(message.tools).filter((tool): tool is string => typeof tool === 'string');
        const model = str(message.model);
        const version = str(message.claude_code_version);
        return {
          events: [
            {
              type: 'session.started',
              sessionId,
              tools,
              ...(model ? { model } : {}),
              ...(version ? { cliVersion: version } : {}),
            },
          ],
        };
      }
      case 'api_retry': {
        const status = num(message.error_status);
        const text =
          `API error ${status ?? ''} ${str(message.error) ?? ''}: retry ${num(message.attempt) ?? '?'} of ${num(message.max_retries) ?? '?'}`.replace(
            /\s+/g,
            ' ',
          );
        return { events: [{ type: 'error', message: text, fatal: false, code: 'api_retry' }] };
      }
      case 'status':
        return { events: [] }; // spinner state in partial mode
      default:
        return { events: [rawEvent('claude', line)] };
    }
  }

  private assistant(message: Record<string, unknown>): RunEvent[] {
    const events: RunEvent[] = [];
    const body = obj(message.message);
    for (const block of arr(body?.content)) {
      const item = obj(block);
      if (!item) continue;
      if (item.type === 'text' && str(item.text))
        events.push({ type: 'message', role: 'assistant', ...clipped(str(item.text)!) });
      else if (item.type === 'thinking' && str(item.thinking))
        events.push({ type: 'reasoning', ...clipped(str(item.thinking)!) });
      else if (item.type === 'tool_use') {
        const id = str(item.id) ?? '';
        const name = str(item.name) ?? 'unknown';
        const input = obj(item.input) ?? {};
        this.toolCalls.set(id, { name, input });
        events.push({ type: 'tool.call', id, name, input });
      } else events.push(rawEvent('claude', JSON.stringify(item)));
    }
    return events;
  }

  private user(message: Record<string, unknown>): RunEvent[] {
    const events: RunEvent[] = [];
    const content = obj(message.message)?.content;
    if (typeof content === 'string') return [{ type: 'message', role: 'user', ...clipped(content) }];
    for (const block of arr(content)) {
      const item = obj(block);
      if (item?.type === 'text' && str(item.text)) {
        events.push({ type: 'message', role: 'user', ...clipped(str(item.text)!) });
        continue;
      }
      if (item?.type !== 'tool_result') continue;
      const id = str(item.tool_use_id) ?? '';
      const output = toolResultText(item.content);
      const isError = item.is_error === true;
      const call = this.toolCalls.get(id);
      const denied =
        isError &&
        (this.deniedByDaemon.has(id) ||
          (call !== undefined && !decideTool(this.rules, this.toolRequest(call)).allow) ||
          /haven't granted|permission to use|denied/i.test(output));
      events.push({
        type: 'tool.result',
        id,
        ok: !isError,
        ...(denied ? { denied: true } : {}),
        output: clipped(output).text,
        ...(clipped(output).truncated ? { truncated: clipped(output).truncated } : {}),
      });
      if (call && !denied) events.push(...this.sideEffects(id, call, isError, output, message.tool_use_result));
    }
    return events;
  }

  /** Shell commands and file edits the tool result tells us about. */
  private sideEffects(
    id: string,
    call: { name: string; input: Record<string, unknown> },
    isError: boolean,
    output: string,
    detail: unknown,
  ): RunEvent[] {
    const info = obj(detail);
    if (call.name === 'Bash' && str(call.input.command) !== undefined) {
      const stdout = str(info?.stdout) ?? '';
      const stderr = str(info?.stderr) ?? '';
      const exit = /^Exit code (\d+)/.exec(output);
      const text = info ? [stdout, stderr].filter(Boolean).join('\n') : output;
      return [
        {
          type: 'command',
          id,
          command: str(call.input.command)!,
          status: isError ? 'failed' : 'completed',
          exitCode: exit ? Number(exit[1]) : isError ? null : 0,
          output: clipped(text).text,
        },
      ];
    }
    const filePath = str(info?.filePath);
    if (!isError && filePath) {
      const kind = info?.type === 'create' ? 'add' : 'update';
      const diff =
        kind === 'add'
          ? (str(info?.content) ?? '')
              .split('\n')
              .map((l) => `+${l}`)
              .join('\n')
          : patchText(info?.structuredPatch);
      return [
        { type: 'file.change', path: this.relative(filePath), kind, ...(diff ? { diff: clipped(diff).text } : {}) },
      ];
    }
    return [];
  }

  private result(message: Record<string, unknown>): ClaudeMapped {
    const usage = obj(message.usage);
    const cached = num(usage?.cache_read_input_tokens) ?? 0;
    const input = (num(usage?.input_tokens) ?? 0) + cached + (num(usage?.cache_creation_input_tokens) ?? 0);
    const status = num(message.api_error_status);
    const errors = arr(message.errors).map((error) => (typeof error === 'string' ? error : JSON.stringify(error)));
    const result: ClaudeResult = {
      ok: message.is_error !== true,
      subtype: str(message.subtype) ?? 'unknown',
      ...(str(message.result) !== undefined ? { text: str(message.result) } : {}),
      ...(status !== undefined ? { apiErrorStatus: status } : {}),
      usage: { inputTokens: input, outputTokens: num(usage?.output_tokens) ?? 0, cachedTokens: cached },
      ...(num(message.total_cost_usd) !== undefined ? { totalCostUsd: num(message.total_cost_usd) } : {}),
      errors,
      permissionDenials: arr(message.permission_denials).map((denial) => str(obj(denial)?.tool_name) ?? 'unknown'),
    };
    const events: RunEvent[] = [];
    if (!result.ok) {
      const text = result.text ?? errors.join('; ') ?? result.subtype;
      if (isRateLimit(text, status)) {
        const resetAt = parseResetAt(text);
        events.push({ type: 'rate_limit', message: text, ...(resetAt ? { resetAt } : {}) });
      }
    }
    return { events, result };
  }

  private controlRequest(message: Record<string, unknown>, line: string): ClaudeMapped {
    const request = obj(message.request);
    if (request?.subtype !== 'can_use_tool') return { events: [rawEvent('claude', line)] };
    const toolUseId = str(request.tool_use_id);
    return {
      events: [],
      permission: {
        requestId: str(message.request_id) ?? '',
        toolName: str(request.tool_name) ?? 'unknown',
        input: obj(request.input) ?? {},
        ...(toolUseId ? { toolUseId } : {}),
      },
    };
  }

  private streamEvent(message: Record<string, unknown>): RunEvent[] {
    const delta = obj(obj(message.event)?.delta);
    if (delta?.type === 'text_delta' && str(delta.text))
      return [{ type: 'message', role: 'assistant', delta: true, ...clipped(str(delta.text)!) }];
    return []; // the complete assistant line follows; other partial events add nothing
  }

  private rateLimitEvent(message: Record<string, unknown>): RunEvent[] {
    const info = obj(message.rate_limit_info) ?? {};
    const status = str(info.status);
    if (status === 'allowed') return [];
    const resetsAt = num(info.resetsAt);
    return [
      {
        type: 'rate_limit',
        message: `rate limit ${status ?? 'reached'}${str(info.rateLimitType) ? ` (${str(info.rateLimitType)})` : ''}`,
        ...(resetsAt ? { resetAt: new Date(resetsAt * 1000).toISOString() } : {}),
      },
    ];
  }

  /** The harness view of a Claude tool use (for rule decisions). */
  toolRequest(call: { name: string; input: Record<string, unknown> }): {
    name: string;
    command?: string;
    path?: string;
  } {
    const command = str(call.input.command);
    const filePath = str(call.input.file_path) ?? str(call.input.notebook_path) ?? str(call.input.path);
    return {
      name: call.name,
      ...(command !== undefined ? { command } : {}),
      ...(filePath !== undefined ? { path: this.relative(filePath) } : {}),
    };
  }

  private relative(filePath: string): string {
    if (!this.workdir || !path.isAbsolute(filePath)) return filePath;
    const relative = path.relative(this.workdir, filePath);
    return relative.startsWith('..') ? filePath : relative;
  }
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  return arr(content)
    .map((part) => str(obj(part)?.text) ?? JSON.stringify(part))
    .join('\n');
}

function patchText(structuredPatch: unknown): string {
  return arr(structuredPatch)
    .map((hunk) => {
      const h = obj(hunk) ?? {};
      return [
        `@@ -${num(h.oldStart) ?? 0},${num(h.oldLines) ?? 0} +${num(h.newStart) ?? 0},${num(h.newLines) ?? 0} @@`,
        ...arr(h.lines).map(String),
      ].join('\n');
    })
    .join('\n');
}
