import type { TurnEndReason } from '@openase/shared/events/describe';
import type { RunEvent } from '@openase/shared/events/run-events';
import type { AgentRunSpec } from '@openase/shared/protocol/agent-spec';
import type { Launcher } from '../../sandbox/confine.js';
import type { AskPerson } from './approvals.js';

/** How one turn ended. `reason` is machine-readable (said in words by `turnEndWords`); `message` is for humans. */
export interface TurnOutcome {
  turn: number;
  ok: boolean;
  reason: TurnEndReason;
  message?: string;
  /** The agent's final text of the turn, when it gave one. */
  text?: string;
  usage?: { inputTokens: number; outputTokens: number; cachedTokens: number };
  costUsd?: number;
  /** When a rate limit was stated: ISO time the provider said to come back. */
  resetAt?: string;
  sessionId?: string;
  /** Tools the harness refused during the turn (one entry per refused call). */
  deniedTools?: string[];
}

export interface StartAgentSessionOptions {
  spec: AgentRunSpec;
  /** The ticket's git worktree: the CLI's cwd. */
  workdir: string;
  /** A directory only this run uses (the CLI's HOME/config dir go here). */
  privateDir: string;
  onEvent: (event: RunEvent) => void;
  /** Wraps the CLI's argv in the machine's sandbox (sandbox/confine.ts); default: started as is. */
  launch?: Launcher;
  /** A call matching `tools.ask` waits for this (absent: such calls are declined). */
  askPerson?: AskPerson;
}

/** One agent CLI session: turns go in, normalized events come out through `onEvent`. */
export interface AgentSession {
  /** The CLI's session id once known (store it on the run for resume). */
  readonly sessionId: string | undefined;
  /** Runs one turn; the first call with no input sends `spec.prompt`. Never rejects for CLI failures: see `ok`. */
  runTurn(input?: string): Promise<TurnOutcome>;
  /** Stops the current turn (the session stays usable where the CLI allows it). */
  interrupt(): Promise<void>;
  /** Ends the session and its processes. Idempotent. */
  close(): Promise<void>;
}

export type StartAgentSession = (options: StartAgentSessionOptions) => Promise<AgentSession>;
