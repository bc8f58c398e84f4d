/**
 * Requests to a daemon that are not runs: `git.request` → `git.chunk`* → `git.reply`
 * (shared/src/protocol/git-ops.ts). Each request waits for its reply (or the machine's session
 * ending, or a timeout); chunks go to the caller as they arrive. Only a machine whose session this
 * replica holds can be asked.
 */
import type { ControlFrame, GitChunkFrame, GitOp, GitReplyFrame } from '@openase/shared';
import { OpenaseError } from '@openase/shared';

interface Pending {
  machineId: string;
  onChunk(repo: string, data: string): void;
  resolve(reply: GitReplyFrame): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export interface GitRequestOptions {
  onChunk?(repo: string, data: string): void;
  /** Default 2 minutes (a merge fetches and pushes). */
  timeoutMs?: number;
}

export class GitRequests {
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(
    private readonly send: (machineId: string, frame: ControlFrame) => boolean,
    private readonly machineName: (machineId: string) => string,
  ) {}

  request(machineId: string, op: GitOp, opts: GitRequestOptions = {}): Promise<GitReplyFrame> {
    const requestId = `git-${Date.now().toString(36)}-${(++this.seq).toString(36)}`;
    return new Promise<GitReplyFrame>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? 120_000;
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(
          new OpenaseError(
            'INTERNAL',
            `machine ${this.machineName(machineId)} did not answer the ${op.kind} request within ${Math.round(timeoutMs / 1000)} s (is its daemon up to date?)`,
          ),
        );
      }, timeoutMs);
      this.pending.set(requestId, { machineId, onChunk: opts.onChunk ?? (() => {}), resolve, reject, timer });
      if (!this.send(machineId, { type: 'git.request', requestId, op })) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(
          new OpenaseError('CONFLICT', `machine ${this.machineName(machineId)} is not connected to this control plane`),
        );
      }
    });
  }

  chunk(machineId: string, frame: GitChunkFrame): void {
    const p = this.pending.get(frame.requestId);
    if (p && p.machineId === machineId) p.onChunk(frame.repo, frame.data);
  }

  reply(machineId: string, frame: GitReplyFrame): void {
    const p = this.pending.get(frame.requestId);
    if (!p || p.machineId !== machineId) return;
    this.pending.delete(frame.requestId);
    clearTimeout(p.timer);
    p.resolve(frame);
  }

  /** The machine's session ended: its requests will never be answered; each fails with `why`. */
  dropMachine(machineId: string, why: OpenaseError): void {
    for (const [id, p] of this.pending) {
      if (p.machineId !== machineId) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(why);
    }
  }
}
