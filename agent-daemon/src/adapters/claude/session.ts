/**
 * The Claude Code session driver: one long-lived `claude -p --input-format stream-json` process
 * per run, one user message per turn on stdin, `can_use_tool` answered by the harness rules.
 */
import { randomUUID } from 'node:crypto';
import { mkdirNoFollow, writeFileNoFollow } from '../../workspace/no-follow.js';
import path from 'node:path';
import type { RunEvent } from '@openase/shared/events/run-events';
import { cliEnv, runningAsRoot, startCliProcess, type CliProcess } from '../common/cli-process.js';
import { writeSkills } from '../common/skills.js';
import { askForApproval, declineMessage } from '../common/approvals.js';
import { approvalDetail, decideTool } from '../common/tool-rules.js';
import { exitMessage, TurnTracker } from '../common/turns.js';
import type { StartAgentSession, TurnOutcome } from '../common/types.js';
import { CumulativeCounter } from '../common/usage.js';
import { claudeArgs, claudeConfigDir, claudeEnv, claudeMcpConfig } from './launch.js';
import { ClaudeStreamMapper, type ClaudePermissionRequest, type ClaudeResult } from './stream-mapper.js';

export const startClaudeSession: StartAgentSession = async ({
  spec,
  workdir,
  privateDir,
  onEvent,
  launch,
  askPerson,
}) => {
  const configDir = await mkdirNoFollow(privateDir, claudeConfigDir(privateDir));
  await writeSkills(await mkdirNoFollow(configDir, path.join(configDir, 'skills')), spec.skills);
  const mcpConfigPath = path.join(configDir, 'openase-mcp.json');
  await writeFileNoFollow(configDir, mcpConfigPath, JSON.stringify(claudeMcpConfig(spec)), 0o600);
  const env = await cliEnv(privateDir, spec.env, claudeEnv(spec, { privateDir, asRoot: runningAsRoot() }));
  const mapper = new ClaudeStreamMapper(spec.tools, workdir);
  const turns = new TurnTracker(spec.maxTurns, onEvent, spec.prompt);
  // Within one process `total_cost_usd` adds up over turns; the cost event is per turn.
  const cost = new CumulativeCounter<{ usd: number }>();
  let closed = false;

  const answerPermission = async (request: ClaudePermissionRequest) => {
    const toolRequest = mapper.toolRequest({ name: request.toolName, input: request.input });
    const decision = decideTool(spec.tools, toolRequest);
    let response: Record<string, unknown> = decision.allow
      ? { behavior: 'allow', updatedInput: request.input }
      : { behavior: 'deny', message: `OpenASE harness: ${request.toolName} ${decision.reason}.` };
    if (decision.ask) {
      // The CLI waits on this request while a person decides (tools.ask).
      const answer = await askForApproval(askPerson, onEvent, {
        id: request.toolUseId ?? request.requestId,
        request: toolRequest,
        rule: decision.ask,
      });
      response = answer.approve
        ? { behavior: 'allow', updatedInput: request.input }
        : { behavior: 'deny', message: declineMessage(request.toolName, approvalDetail(toolRequest), answer) };
    }
    if (response.behavior === 'deny' && request.toolUseId) mapper.markDenied(request.toolUseId);
    proc.send({ type: 'control_response', response: { subtype: 'success', request_id: request.requestId, response } });
  };

  const finishTurn = (result: ClaudeResult) => {
    const events: RunEvent[] = [{ type: 'usage', turn: turns.turn, ...result.usage }];
    if (result.totalCostUsd !== undefined)
      events.push({
        type: 'cost',
        usd: Math.max(0, cost.next({ usd: result.totalCostUsd }).usd),
        source: 'cli',
        turn: turns.turn,
      });
    const rateLimited = result.apiErrorStatus === 429 || (!result.ok && rateLimitSeen);
    const reason: TurnOutcome['reason'] = result.ok
      ? 'completed'
      : result.subtype === 'error_max_turns'
        ? 'max_turns'
        : rateLimited
          ? 'rate_limited'
          : interruptRequested
            ? 'interrupted'
            : 'failed';
    const message = result.ok
      ? undefined
      : reason === 'interrupted'
        ? 'interrupted by the platform'
        : result.text || result.errors.join('; ') || result.subtype;
    if (message)
      events.push({
        type: 'error',
        message,
        fatal: true,
        code: reason === 'failed' ? (result.apiErrorStatus ? `api_${result.apiErrorStatus}` : result.subtype) : reason,
      });
    events.push({
      type: 'result',
      ok: result.ok,
      ...(result.text ? { text: result.text } : {}),
      ...(message ? { reason: message } : {}),
    });
    for (const event of events) onEvent(event);
    const resetAt = lastResetAt;
    turns.finish({
      ok: result.ok,
      reason,
      ...(message ? { message } : {}),
      ...(result.text ? { text: result.text } : {}),
      usage: result.usage,
      ...(result.totalCostUsd !== undefined
        ? { costUsd: (events.find((e) => e.type === 'cost') as { usd: number }).usd }
        : {}),
      ...(resetAt && rateLimited ? { resetAt } : {}),
      ...(mapper.sessionId ? { sessionId: mapper.sessionId } : {}),
    });
  };

  let lastResetAt: string | undefined;
  let interruptRequested = false;
  let rateLimitSeen = false;
  const proc: CliProcess = startCliProcess({
    launch,
    command: spec.command ?? 'claude',
    args: claudeArgs(spec, mcpConfigPath),
    cwd: workdir,
    env,
    stdin: 'pipe', // stream-json input works only from a pipe
    onEvent,
    onStdoutLine: (line) => {
      const mapped = mapper.map(line);
      for (const event of mapped.events) {
        if (event.type === 'rate_limit') {
          rateLimitSeen = true;
          lastResetAt = event.resetAt ?? lastResetAt;
        }
        onEvent(event);
      }
      if (mapped.permission) void answerPermission(mapped.permission);
      if (mapped.result) finishTurn(mapped.result);
    },
  });
  proc.send({ type: 'control_request', request_id: `init-${randomUUID()}`, request: { subtype: 'initialize' } });

  void proc.exited.then((exit) => {
    if (!turns.active) return;
    const message = exitMessage('claude', exit, proc.stderrTail());
    onEvent({ type: 'error', message, fatal: true, code: 'cli_exited' });
    turns.finish({ ok: false, reason: closed ? 'interrupted' : 'exited', message });
  });

  return {
    get sessionId() {
      return mapper.sessionId ?? spec.resumeSessionId;
    },
    async runTurn(input) {
      const started = turns.begin(input);
      if (!('done' in started)) return started;
      const text = started.input;
      lastResetAt = undefined;
      rateLimitSeen = false;
      interruptRequested = false;
      if (
        !proc.send({
          type: 'user',
          message: { role: 'user', content: text },
          parent_tool_use_id: null,
          session_id: mapper.sessionId ?? '',
        })
      ) {
        turns.finish({
          ok: false,
          reason: 'exited',
          message: exitMessage('claude', await proc.exited, proc.stderrTail()),
        });
      }
      return started.done;
    },
    async interrupt() {
      if (!turns.active) return;
      interruptRequested = true;
      proc.send({
        type: 'control_request',
        request_id: `interrupt-${randomUUID()}`,
        request: { subtype: 'interrupt' },
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      proc.closeStdin();
      await proc.stop();
    },
  };
};
