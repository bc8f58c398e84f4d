/**
 * The Codex session driver: `codex app-server` (JSON-RPC over stdio, no "jsonrpc" field),
 * one thread per run (`thread/start`, or `thread/resume` for the ticket's earlier thread), one
 * `turn/start` per turn, and every approval request answered by the harness rules.
 */
import { mkdirNoFollow, writeFileNoFollow } from '../../workspace/no-follow.js';
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { cliEnv, rawEvent, startCliProcess, type CliProcess } from '../common/cli-process.js';
import { num, obj, parseJsonObject, str } from '../common/json-lines.js';
import { writeSkills } from '../common/skills.js';
import { askForApproval, declineMessage } from '../common/approvals.js';
import { approvalDetail, decideTool, type ToolDecision, type ToolRequest } from '../common/tool-rules.js';
import { exitMessage, TurnTracker } from '../common/turns.js';
import type { StartAgentSession, TurnOutcome } from '../common/types.js';
import { usageEvents } from '../common/usage.js';
import { CodexEventMapper } from './app-server-mapper.js';
import { codexArgs, codexConfigToml, codexHome, codexPolicy } from './launch.js';

type Pending = { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void; method: string };

export const startCodexSession: StartAgentSession = async ({
  spec,
  workdir,
  privateDir,
  onEvent,
  launch,
  askPerson,
}) => {
  const home = codexHome(privateDir);
  await mkdirNoFollow(privateDir, home);
  await writeFileNoFollow(home, path.join(home, 'config.toml'), codexConfigToml(spec), 0o600);
  await writeSkills(await mkdirNoFollow(home, path.join(home, 'skills')), spec.skills);
  const env = await cliEnv(privateDir, spec.env, { CODEX_HOME: home });
  const mapper = new CodexEventMapper(workdir);
  const turns = new TurnTracker(spec.maxTurns, onEvent, spec.prompt);
  const policy = codexPolicy(spec);
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  let turnId: string | undefined;
  let lastError: string | undefined;
  let lastResetAt: string | undefined;
  let rateLimitSeen = false;

  const request = (method: string, params: unknown) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, method });
      if (!proc.send({ method, id, params })) {
        pending.delete(id);
        reject(new Error(`codex app-server is not running (${method})`));
      }
    });

  type Decided = { decision: ToolDecision; request: ToolRequest };
  const decide = (method: string, params: Record<string, unknown>): Decided | undefined => {
    const rule = (request: ToolRequest): Decided => ({ decision: decideTool(spec.tools, request), request });
    if (method === 'item/commandExecution/requestApproval' || method === 'execCommandApproval') {
      const command =
        str(params.command) ?? (Array.isArray(params.command) ? (params.command as string[]).join(' ') : '');
      return rule({ name: 'shell', command });
    }
    if (method === 'item/fileChange/requestApproval' || method === 'applyPatchApproval') {
      const changes = mapper.fileChanges.get(str(params.itemId) ?? '') ?? [];
      if (changes.length === 0) return rule({ name: 'apply_patch' });
      const each = changes.map((change) =>
        rule({ name: change.kind === 'add' ? 'write_file' : 'replace', path: change.path }),
      );
      const refused = each.find((d) => !d.decision.allow && !d.decision.ask);
      return (
        refused ??
        each.find((d) => d.decision.ask) ?? {
          decision: { allow: true, reason: 'every changed path is allowed' },
          request: { name: 'apply_patch' },
        }
      );
    }
    if (method === 'mcpServer/elicitation/request' && obj(params._meta)?.codex_approval_kind === 'mcp_tool_call') {
      return rule({ name: `mcp__${str(params.serverName) ?? '?'}__${str(obj(params._meta)?.tool_name) ?? '?'}` });
    }
    return undefined;
  };

  const answerServerRequest = async (id: unknown, method: string, params: Record<string, unknown>, line: string) => {
    const decided = decide(method, params);
    if (!decided) {
      // Questions for a human (user input, elicitation, extra permissions): nobody is there to answer.
      onEvent(rawEvent('codex', line));
      proc.send({ id, error: { code: -32601, message: `OpenASE daemon does not answer ${method}` } });
      return;
    }
    const itemId = str(params.itemId) ?? str(params.callId);
    let allow = decided.decision.allow;
    let declined: string | undefined;
    if (decided.decision.ask) {
      // Codex waits on this request while a person decides (tools.ask).
      const answer = await askForApproval(askPerson, onEvent, {
        id: itemId ?? `codex-${String(id)}`,
        request: decided.request,
        rule: decided.decision.ask,
      });
      allow = answer.approve;
      if (!allow) declined = declineMessage(decided.request.name, approvalDetail(decided.request), answer);
    }
    if (!allow && itemId) mapper.markDeclined(itemId);
    if (method === 'mcpServer/elicitation/request') {
      // Codex asks before each MCP tool call as an elicitation: accept with no content, or decline.
      proc.send({ id, result: { action: allow ? 'accept' : 'decline', content: allow ? {} : null, _meta: null } });
    } else {
      const legacy = method === 'execCommandApproval' || method === 'applyPatchApproval';
      proc.send({ id, result: { decision: allow ? (legacy ? 'approved' : 'accept') : legacy ? 'denied' : 'decline' } });
    }
    // A decline carries no message in Codex's protocol: the person's reason goes to the agent as steering input.
    if (declined && turnId && turns.active)
      await request('turn/steer', {
        threadId: mapper.threadId,
        expectedTurnId: turnId,
        input: [{ type: 'text', text: declined, text_elements: [] }],
      }).catch((error: Error) =>
        onEvent({ type: 'error', message: `telling the agent why: ${error.message}`, fatal: false }),
      );
  };

  const finishTurn = (status: 'completed' | 'failed' | 'interrupted', error: string | undefined) => {
    const usage = mapper.takeTurnUsage();
    const events: RunEvent[] = usageEvents(turns.turn, usage, spec.pricing);
    const message = status === 'completed' ? undefined : (error ?? lastError ?? `turn ${status}`);
    const rateLimited = status === 'failed' && rateLimitSeen;
    const reason: TurnOutcome['reason'] =
      status === 'completed'
        ? 'completed'
        : status === 'interrupted'
          ? 'interrupted'
          : rateLimited
            ? 'rate_limited'
            : 'failed';
    if (message) events.push({ type: 'error', message, fatal: true, code: reason });
    const text = lastMessage;
    events.push({
      type: 'result',
      ok: status === 'completed',
      ...(text ? { text } : {}),
      ...(message ? { reason: message } : {}),
    });
    for (const event of events) onEvent(event);
    const cost = events.find((e) => e.type === 'cost') as { usd: number } | undefined;
    turns.finish({
      ok: status === 'completed',
      reason,
      ...(message ? { message } : {}),
      ...(text ? { text } : {}),
      usage,
      ...(cost ? { costUsd: cost.usd } : {}),
      ...(rateLimited && lastResetAt ? { resetAt: lastResetAt } : {}),
      ...(mapper.threadId ? { sessionId: mapper.threadId } : {}),
    });
  };

  let lastMessage: string | undefined;
  const onLine = (line: string) => {
    const message = parseJsonObject(line);
    if (!message) return onEvent(rawEvent('codex', line));
    const method = str(message.method);
    if (method && message.id !== undefined)
      return void answerServerRequest(message.id, method, obj(message.params) ?? {}, line);
    if (!method && message.id !== undefined) {
      const waiter = pending.get(num(message.id) ?? -1);
      if (!waiter) return onEvent(rawEvent('codex', line));
      pending.delete(num(message.id)!);
      const error = obj(message.error);
      if (error)
        waiter.reject(new Error(`codex ${waiter.method} failed: ${str(error.message) ?? JSON.stringify(error)}`));
      else waiter.resolve(obj(message.result) ?? {});
      return;
    }
    if (!method) return onEvent(rawEvent('codex', line));
    const params = obj(message.params) ?? {};
    const mapped = mapper.map(method, params, line);
    for (const event of mapped.events) {
      if (event.type === 'message' && !event.delta) lastMessage = event.text;
      if (event.type === 'error') lastError = event.message;
      if (event.type === 'rate_limit') {
        rateLimitSeen = true;
        lastResetAt = event.resetAt ?? lastResetAt;
      }
      onEvent(event);
    }
    if (mapped.turnEnd && turns.active) finishTurn(mapped.turnEnd.status, mapped.turnEnd.error);
  };

  const proc: CliProcess = startCliProcess({
    launch,
    command: spec.command ?? 'codex',
    args: codexArgs(spec),
    cwd: workdir,
    env,
    stdin: 'pipe',
    onEvent,
    onStdoutLine: onLine,
  });
  void proc.exited.then((exit) => {
    const message = exitMessage('codex', exit, proc.stderrTail());
    for (const waiter of pending.values()) waiter.reject(new Error(message));
    pending.clear();
    if (!turns.active) return;
    onEvent({ type: 'error', message, fatal: true, code: 'cli_exited' });
    turns.finish({ ok: false, reason: closed ? 'interrupted' : 'exited', message });
  });

  try {
    await request('initialize', {
      clientInfo: { name: 'openase', title: 'OpenASE', version: '0.1.0' },
      capabilities: null,
    });
    proc.send({ method: 'initialized' });
    const threadParams = {
      cwd: workdir,
      model: spec.model ?? null,
      approvalPolicy: policy.approvalPolicy,
      sandbox: policy.sandbox,
      developerInstructions: spec.systemPrompt || null,
    };
    const started = spec.resumeSessionId
      ? await request('thread/resume', { threadId: spec.resumeSessionId, ...threadParams, excludeTurns: true })
      : await request('thread/start', threadParams);
    const thread = obj(started.thread);
    if (spec.resumeSessionId && str(thread?.id)) {
      // thread/resume sends no thread/started: report the session ourselves.
      mapper.threadId = str(thread!.id);
      onEvent({
        type: 'session.started',
        sessionId: mapper.threadId!,
        ...(str(started.model) ? { model: str(started.model) } : {}),
        ...(str(thread!.cliVersion) ? { cliVersion: str(thread!.cliVersion) } : {}),
      });
    }
    mapper.threadId ??= str(thread?.id);
  } catch (error) {
    await proc.stop();
    throw error;
  }

  return {
    get sessionId() {
      return mapper.threadId;
    },
    async runTurn(input) {
      const started = turns.begin(input);
      if (!('done' in started)) return started;
      const text = started.input;
      lastError = undefined;
      lastResetAt = undefined;
      rateLimitSeen = false;
      lastMessage = undefined;
      mapper.beginTurn();
      try {
        const result = await request('turn/start', {
          threadId: mapper.threadId,
          input: [{ type: 'text', text, text_elements: [] }],
        });
        turnId = str(obj(result.turn)?.id);
      } catch (error) {
        const message = (error as Error).message;
        onEvent({ type: 'error', message, fatal: true, code: 'turn_start' });
        turns.finish({ ok: false, reason: 'failed', message });
      }
      return started.done;
    },
    async interrupt() {
      if (turns.active && turnId)
        await request('turn/interrupt', { threadId: mapper.threadId, turnId }).catch(() => undefined);
    },
    async close() {
      if (closed) return;
      closed = true;
      proc.closeStdin();
      await proc.stop();
    },
  };
};
