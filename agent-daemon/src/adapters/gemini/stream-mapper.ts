/**
 * Gemini CLI `--output-format stream-json` → normalized run events. Assistant text arrives only as
 * deltas: they are passed on as `delta` messages and the complete message is emitted when
 * something else happens (tool use, result).
 */
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { clipped, rawEvent } from '../common/cli-process.js';
import { num, obj, parseJsonObject, str } from '../common/json-lines.js';
import { isRateLimit, parseResetAt } from '../common/rate-limit.js';
import { decideTool, toolKinds, type ToolRules } from '../common/tool-rules.js';

export interface GeminiResult {
  ok: boolean;
  error?: string;
  usage: { inputTokens: number; outputTokens: number; cachedTokens: number };
}

export interface GeminiMapped {
  events: RunEvent[];
  result?: GeminiResult;
}

export class GeminiStreamMapper {
  sessionId: string | undefined;
  lastText: string | undefined;
  private pendingText = '';
  private readonly toolCalls = new Map<string, { name: string; input: Record<string, unknown>; existed?: boolean }>();

  private readonly rules: ToolRules;
  private readonly workdir: string | undefined;
  private readonly existedBefore: ((absolutePath: string) => boolean) | undefined;
  private readonly mcpServers: string[];

  constructor(
    options: {
      rules?: ToolRules;
      workdir?: string;
      /**
       * Whether a file existed before this turn (to tell a new file from an overwrite). Checking
       * the disk at `tool_use` time would race: in yolo mode the tool may already have run.
       */
      existedBefore?: (absolutePath: string) => boolean;
      /** The run's MCP server names: Gemini calls their tools `mcp_<server>_<tool>`. */
      mcpServers?: string[];
    } = {},
  ) {
    this.rules = options.rules ?? { allow: [], deny: [] };
    this.workdir = options.workdir;
    this.existedBefore = options.existedBefore;
    this.mcpServers = options.mcpServers ?? [];
  }

  /** `mcp_tickets_lookup_ticket` → `mcp__tickets__lookup_ticket`, the name the other CLIs and the harness use. */
  private toolName(name: string): string {
    const server = this.mcpServers.find((s) => name.startsWith(`mcp_${s}_`));
    return server ? `mcp__${server}__${name.slice(server.length + 5)}` : name;
  }

  map(line: string): GeminiMapped {
    const message = parseJsonObject(line);
    if (!message) return { events: [rawEvent('gemini', line)] };
    if (message.type === 'message' && message.role === 'assistant') {
      const text = str(message.content) ?? '';
      this.pendingText += text;
      return { events: text ? [{ type: 'message', role: 'assistant', delta: true, ...clipped(text) }] : [] };
    }
    const events = this.flushText();
    switch (message.type) {
      case 'init': {
        const id = str(message.session_id);
        if (id && id !== this.sessionId) {
          this.sessionId = id;
          const model = str(message.model);
          events.push({ type: 'session.started', sessionId: id, ...(model ? { model } : {}) });
        }
        return { events };
      }
      case 'message':
        return { events }; // the user's own prompt echoed back
      case 'tool_use': {
        const id = str(message.tool_id) ?? '';
        const name = this.toolName(str(message.tool_name) ?? 'unknown');
        const input = obj(message.parameters) ?? {};
        const file = str(input.file_path);
        const existed =
          file && this.existedBefore ? this.existedBefore(path.resolve(this.workdir ?? '/', file)) : undefined;
        this.toolCalls.set(id, { name, input, ...(existed !== undefined ? { existed } : {}) });
        events.push({ type: 'tool.call', id, name, input });
        if (name === 'run_shell_command' && str(input.command))
          events.push({ type: 'command', id, command: str(input.command)!, status: 'started', exitCode: null });
        return { events };
      }
      case 'tool_result': {
        const id = str(message.tool_id) ?? '';
        const ok = message.status === 'success';
        const error = obj(message.error);
        const output =
          str(message.output) ?? str(error?.message) ?? (typeof message.error === 'string' ? message.error : '');
        const denied = !ok && this.refused(this.toolCalls.get(id), output);
        events.push({ type: 'tool.result', id, ok, ...(denied ? { denied: true } : {}), output: clipped(output).text });
        if (!denied) events.push(...this.sideEffects(id, ok, output));
        return { events };
      }
      case 'error': {
        const text = str(message.message) ?? str(obj(message.error)?.message) ?? line;
        events.push({
          type: 'error',
          message: text,
          fatal: false,
          ...(str(message.severity) ? { code: str(message.severity)!.slice(0, 100) } : {}),
        });
        if (isRateLimit(text)) events.push(this.rateLimit(text));
        return { events };
      }
      case 'result': {
        const stats = obj(message.stats) ?? {};
        const error = obj(message.error);
        const errorText = str(error?.message);
        const cached = num(stats.cached) ?? 0;
        const result: GeminiResult = {
          ok: message.status === 'success',
          ...(errorText ? { error: errorText } : {}),
          usage: {
            inputTokens: num(stats.input_tokens) ?? 0,
            outputTokens: num(stats.output_tokens) ?? 0,
            cachedTokens: cached,
          },
        };
        if (errorText && isRateLimit(errorText)) events.push(this.rateLimit(errorText));
        return { events, result };
      }
      default:
        events.push(rawEvent('gemini', line));
        return { events };
    }
  }

  /** The complete assistant message once its deltas are over. */
  flushText(): RunEvent[] {
    if (!this.pendingText) return [];
    const text = this.pendingText;
    this.pendingText = '';
    this.lastText = text;
    return [{ type: 'message', role: 'assistant', ...clipped(text) }];
  }

  /**
   * A failed tool the CLI refused rather than ran: the harness denies it (Gemini then reports an
   * excluded tool as "not found"), a policy said no, or the approval mode withholds built-in
   * shell/edit tools in headless mode.
   */
  private refused(call: { name: string; input: Record<string, unknown> } | undefined, output: string): boolean {
    if (/denied|not allowed|rejected|cancel/i.test(output)) return true;
    if (!call) return false;
    const command = str(call.input.command);
    const file = str(call.input.file_path);
    if (
      !decideTool(this.rules, {
        name: call.name,
        ...(command ? { command } : {}),
        ...(file ? { path: this.relative(file) } : {}),
      }).allow
    )
      return true;
    return /^Tool "[^"]+" not found/.test(output) && toolKinds(call.name)[0] !== 'other';
  }

  private rateLimit(text: string): RunEvent {
    const resetAt = parseResetAt(text);
    return { type: 'rate_limit', message: text, ...(resetAt ? { resetAt } : {}) };
  }

  private sideEffects(id: string, ok: boolean, output: string): RunEvent[] {
    const call = this.toolCalls.get(id);
    if (!call) return [];
    if (call.name === 'run_shell_command') {
      const exit = /Exit Code: (\d+)/i.exec(output);
      return [
        {
          type: 'command',
          id,
          command: str(call.input.command) ?? '',
          status: ok ? 'completed' : 'failed',
          exitCode: exit ? Number(exit[1]) : ok ? null : null,
          output: clipped(output).text,
        },
      ];
    }
    const file = str(call.input.file_path);
    if (!ok || !file || !['write_file', 'replace'].includes(call.name)) return [];
    const kind = call.name === 'write_file' && call.existed !== true ? 'add' : 'update';
    const diff =
      call.name === 'write_file'
        ? (str(call.input.content) ?? '')
            .split('\n')
            .map((l) => `+${l}`)
            .join('\n')
        : [
            ...(str(call.input.old_string) ?? '').split('\n').map((l) => `-${l}`),
            ...(str(call.input.new_string) ?? '').split('\n').map((l) => `+${l}`),
          ].join('\n');
    return [{ type: 'file.change', path: this.relative(file), kind, diff: clipped(diff).text }];
  }

  private relative(filePath: string): string {
    if (!this.workdir || !path.isAbsolute(filePath)) return filePath;
    const relative = path.relative(this.workdir, filePath);
    return relative.startsWith('..') ? filePath : relative;
  }
}
