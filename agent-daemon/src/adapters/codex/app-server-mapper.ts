/**
 * Codex `app-server` notifications → normalized run events. One instance per session: it keeps
 * file-change items (approval requests name only the item), the declined items, and the thread's
 * token counters (thread-cumulative: the per-turn usage is a diff).
 */
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { clipped, rawEvent } from '../common/cli-process.js';
import { arr, num, obj, str } from '../common/json-lines.js';
import { isRateLimit, parseResetAt } from '../common/rate-limit.js';
import { innerCommand } from '../common/tool-rules.js';
import type { TokenUsage } from '../common/usage.js';

export interface CodexTurnEnd {
  status: 'completed' | 'failed' | 'interrupted';
  error?: string;
}

export interface CodexMapped {
  events: RunEvent[];
  turnEnd?: CodexTurnEnd;
  threadId?: string;
}

/** Notifications that carry nothing a run needs (state flags, UI hints). */
const IGNORED = new Set([
  'thread/status/changed',
  'serverRequest/resolved',
  'remoteControl/status/changed',
  'item/reasoning/summaryPartAdded',
  'item/reasoning/summaryTextDelta',
  'item/reasoning/textDelta',
  'item/commandExecution/outputDelta',
  'item/fileChange/outputDelta',
  'item/fileChange/patchUpdated',
  'turn/diff/updated',
  'thread/readState/changed',
  'skills/changed',
  'mcpServer/startupStatus/updated',
  'thread/name/updated',
  'thread/settings/updated',
  'account/updated',
  'item/mcpToolCall/progress',
  'item/plan/delta',
  'turn/plan/updated',
  'thread/tokenUsage/updated',
  'fs/changed',
  'app/list/updated',
]);

type Usage = TokenUsage & { reasoningTokens: number };

export class CodexEventMapper {
  threadId: string | undefined;
  readonly fileChanges = new Map<string, { path: string; kind: string }[]>();
  private readonly declined = new Set<string>();
  /** Thread total at the end of the previous turn (undefined: not seen yet in this process). */
  private totalBefore: Usage | undefined;
  private total: Usage | undefined;
  private lastSum: Usage = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 };

  constructor(private readonly workdir?: string) {}

  markDeclined(itemId: string): void {
    this.declined.add(itemId);
  }

  private turnId: string | undefined;

  /** Call when a turn starts: the thread total so far (earlier turns, earlier runs) is not this turn's. */
  beginTurn(): void {
    this.turnId = undefined;
    this.totalBefore = this.total;
    this.lastSum = { inputTokens: 0, outputTokens: 0, cachedTokens: 0, reasoningTokens: 0 };
  }

  /**
   * Per-turn usage: the thread total's growth this turn (or, with no total before, the sum of this turn's requests).
   */
  takeTurnUsage(): TokenUsage {
    const sum = this.lastSum;
    const total = this.total;
    const before = this.totalBefore;
    if (!total) return { inputTokens: 0, outputTokens: 0, cachedTokens: 0 };
    if (!before)
      return { inputTokens: sum.inputTokens, outputTokens: sum.outputTokens, cachedTokens: sum.cachedTokens };
    return {
      inputTokens: total.inputTokens - before.inputTokens,
      outputTokens: total.outputTokens - before.outputTokens,
      cachedTokens: total.cachedTokens - before.cachedTokens,
    };
  }

  map(method: string, params: Record<string, unknown>, line: string): CodexMapped {
    switch (method) {
      case 'thread/started': {
        const thread = obj(params.thread) ?? {};
        const id = str(thread.id);
        if (!id) return { events: [rawEvent('codex', line)] };
        this.threadId = id;
        const model = str(thread.model);
        const version = str(thread.cliVersion);
        return {
          events: [
            {
              type: 'session.started',
              sessionId: id,
              ...(model ? { model } : {}),
              ...(version ? { cliVersion: version } : {}),
            },
          ],
          threadId: id,
        };
      }
      case 'turn/started':
        this.turnId = str(obj(params.turn)?.id);
        return { events: [] };
      case 'item/started':
        return { events: this.itemStarted(obj(params.item) ?? {}) };
      case 'item/completed':
        return { events: this.itemCompleted(obj(params.item) ?? {}, line) };
      case 'item/agentMessage/delta':
        return str(params.delta)
          ? { events: [{ type: 'message', role: 'assistant', delta: true, ...clipped(str(params.delta)!) }] }
          : { events: [] };
      case 'turn/completed': {
        const turn = obj(params.turn) ?? {};
        const status = str(turn.status);
        const error = str(obj(turn.error)?.message);
        return {
          events: [],
          turnEnd: {
            status: status === 'completed' ? 'completed' : status === 'interrupted' ? 'interrupted' : 'failed',
            ...(error ? { error } : {}),
          },
        };
      }
      case 'error':
        return { events: this.error(params) };
      case 'account/rateLimits/updated':
        return { events: this.rateLimits(obj(params.rateLimits) ?? {}) };
      case 'configWarning':
      case 'warning':
      case 'deprecationNotice':
      case 'guardianWarning': {
        const message = str(params.summary) ?? str(params.message) ?? JSON.stringify(params);
        return { events: [{ type: 'error', message, fatal: false, code: method }] };
      }
      default:
        if (method === 'thread/tokenUsage/updated') this.tokenUsage(obj(params.tokenUsage) ?? {}, str(params.turnId));
        if (IGNORED.has(method)) return { events: [] };
        return { events: [rawEvent('codex', line)] };
    }
  }

  /**
   * Updates of the running turn add up; any other (the restored total of a resumed thread, which
   * may arrive after turn/start) only moves the baseline the turn's usage is measured from.
   */
  private tokenUsage(tokenUsage: Record<string, unknown>, turnId: string | undefined): void {
    const read = (value: unknown): Usage => {
      const o = obj(value) ?? {};
      return {
        inputTokens: num(o.inputTokens) ?? 0,
        outputTokens: num(o.outputTokens) ?? 0,
        cachedTokens: num(o.cachedInputTokens) ?? 0,
        reasoningTokens: num(o.reasoningOutputTokens) ?? 0,
      };
    };
    this.total = read(tokenUsage.total);
    if (this.turnId === undefined || turnId !== this.turnId) {
      this.totalBefore = this.total;
      return;
    }
    const last = read(tokenUsage.last);
    this.lastSum = {
      inputTokens: this.lastSum.inputTokens + last.inputTokens,
      outputTokens: this.lastSum.outputTokens + last.outputTokens,
      cachedTokens: this.lastSum.cachedTokens + last.cachedTokens,
      reasoningTokens: this.lastSum.reasoningTokens + last.reasoningTokens,
    };
  }

  private itemStarted(item: Record<string, unknown>): RunEvent[] {
    const id = str(item.id) ?? '';
    switch (item.type) {
      case 'commandExecution': {
        const command = innerCommand(str(item.command) ?? '');
        return [
          { type: 'tool.call', id, name: 'shell', input: { command, cwd: str(item.cwd) } },
          { type: 'command', id, command, status: 'started', exitCode: null },
        ];
      }
      case 'fileChange': {
        const changes = this.changes(item);
        this.fileChanges.set(id, changes);
        return [{ type: 'tool.call', id, name: 'apply_patch', input: { changes } }];
      }
      case 'mcpToolCall':
        return [
          {
            type: 'tool.call',
            id,
            name: `mcp__${str(item.server) ?? '?'}__${str(item.tool) ?? '?'}`,
            input: item.arguments ?? {},
          },
        ];
      default:
        return []; // messages and reasoning are reported complete
    }
  }

  private itemCompleted(item: Record<string, unknown>, line: string): RunEvent[] {
    const id = str(item.id) ?? '';
    switch (item.type) {
      case 'agentMessage':
        return str(item.text) ? [{ type: 'message', role: 'assistant', ...clipped(str(item.text)!) }] : [];
      case 'userMessage':
        return [];
      case 'reasoning': {
        const text = [...arr(item.summary), ...arr(item.content)]
          .map((part) => (typeof part === 'string' ? part : (str(obj(part)?.text) ?? '')))
          .filter(Boolean)
          .join('\n');
        return text ? [{ type: 'reasoning', ...clipped(text) }] : [];
      }
      case 'commandExecution': {
        const status = str(item.status);
        const declined = status === 'declined' || this.declined.has(id);
        const output = str(item.aggregatedOutput) ?? '';
        const exitCode = num(item.exitCode) ?? null;
        return [
          {
            type: 'command',
            id,
            command: innerCommand(str(item.command) ?? ''),
            status: declined ? 'declined' : status === 'completed' ? 'completed' : 'failed',
            exitCode,
            output: clipped(output).text,
          },
          {
            type: 'tool.result',
            id,
            ok: status === 'completed',
            ...(declined ? { denied: true } : {}),
            output: declined ? 'declined by the OpenASE harness' : clipped(output).text,
          },
        ];
      }
      case 'fileChange': {
        const status = str(item.status);
        const declined = status === 'declined' || this.declined.has(id);
        const events: RunEvent[] = [];
        if (status === 'completed') {
          for (const change of arr(item.changes)) {
            const c = obj(change) ?? {};
            const kind = str(obj(c.kind)?.type) ?? str(c.kind) ?? 'update';
            const diff = str(c.diff);
            events.push({
              type: 'file.change',
              path: this.relative(str(c.path) ?? ''),
              kind: (['add', 'update', 'delete', 'rename'].includes(kind) ? kind : 'update') as 'add',
              ...(diff ? { diff: clipped(diff).text } : {}),
            });
          }
        }
        events.push({
          type: 'tool.result',
          id,
          ok: status === 'completed',
          ...(declined ? { denied: true } : {}),
          output: declined ? 'declined by the OpenASE harness' : (status ?? ''),
        });
        return events;
      }
      case 'mcpToolCall': {
        const error = str(obj(item.error)?.message);
        const result = arr(obj(item.result)?.content)
          .map((part) => str(obj(part)?.text) ?? JSON.stringify(part))
          .join('\n');
        return [
          {
            type: 'tool.result',
            id,
            ok: !error && str(item.status) === 'completed',
            output: clipped(error ?? result).text,
          },
        ];
      }
      default:
        return [rawEvent('codex', line)];
    }
  }

  private error(params: Record<string, unknown>): RunEvent[] {
    const error = obj(params.error) ?? {};
    const message = str(error.message) ?? JSON.stringify(params);
    const info = error.codexErrorInfo;
    const infoText = typeof info === 'string' ? info : info ? JSON.stringify(info) : '';
    const events: RunEvent[] = [
      {
        type: 'error',
        message,
        fatal: params.willRetry === false,
        ...(infoText ? { code: infoText.slice(0, 100) } : {}),
      },
    ];
    if (/usageLimitExceeded|rateLimitExceeded|"httpStatusCode":429/.test(infoText) || isRateLimit(message)) {
      const resetAt = parseResetAt(`${message} ${str(error.additionalDetails) ?? ''}`);
      events.push({ type: 'rate_limit', message, ...(resetAt ? { resetAt } : {}) });
    }
    return events;
  }

  private rateLimits(snapshot: Record<string, unknown>): RunEvent[] {
    const reached = str(snapshot.rateLimitReachedType);
    const windows = [obj(snapshot.primary), obj(snapshot.secondary)].filter((w): w is Record<string, unknown> => !!w);
    const full = windows.find((w) => (num(w.usedPercent) ?? 0) >= 100);
    if (!reached && !full) return [];
    const resetsAt = num(full?.resetsAt) ?? windows.map((w) => num(w.resetsAt)).find((v) => v !== undefined);
    return [
      {
        type: 'rate_limit',
        message: `rate limit reached${reached ? ` (${reached})` : ''}`,
        ...(resetsAt ? { resetAt: new Date(resetsAt * 1000).toISOString() } : {}),
      },
    ];
  }

  private changes(item: Record<string, unknown>): { path: string; kind: string }[] {
    return arr(item.changes).map((change) => {
      const c = obj(change) ?? {};
      return { path: this.relative(str(c.path) ?? ''), kind: str(obj(c.kind)?.type) ?? str(c.kind) ?? 'update' };
    });
  }

  private relative(filePath: string): string {
    if (!this.workdir || !path.isAbsolute(filePath)) return filePath;
    const relative = path.relative(this.workdir, filePath);
    return relative.startsWith('..') ? filePath : relative;
  }
}
