/**
 * Answers the control plane's `git.request` frames (shared/src/protocol/git-ops.ts): a ticket's
 * diff, streamed as `git.chunk` pieces, and the platform's merge. Every request gets exactly one
 * `git.reply`, an error included.
 */
import { DIFF_CHUNK_BYTES, type GitRequestFrame } from '@openase/shared/protocol/git-ops';
import { type DaemonFrame } from '@openase/shared/protocol/messages';
import { diffTicket } from './workspace/diff.js';
import { mergeTicketBranch } from './workspace/merge.js';
import type { Workspaces } from './workspace/workspace.js';

export async function answerGitRequest(
  workspaces: Workspaces,
  frame: GitRequestFrame,
  send: (frame: DaemonFrame) => void,
  log: (line: string) => void,
): Promise<void> {
  const { requestId, op } = frame;
  try {
    if (op.kind === 'diff') {
      let pending = '';
      let pendingRepo = '';
      const flush = () => {
        if (pending) send({ type: 'git.chunk', requestId, repo: pendingRepo, data: pending });
        pending = '';
      };
      const diff = await diffTicket(workspaces, op, (repo, text) => {
        if (repo !== pendingRepo) flush();
        pendingRepo = repo;
        for (let at = 0; at < text.length;) {
          const take = Math.min(text.length - at, DIFF_CHUNK_BYTES - pending.length);
          pending += text.slice(at, at + take);
          at += take;
          if (pending.length >= DIFF_CHUNK_BYTES) flush();
        }
      });
      flush();
      send({ type: 'git.reply', requestId, ok: true, diff });
      return;
    }
    log(
      `merging ${op.ticket.branch} of ${op.ticket.identifier} into ${op.repo.defaultBranch} of ${op.repo.name} (${op.method})`,
    );
    const merge = await mergeTicketBranch(workspaces, op);
    log(
      `merge of ${op.ticket.identifier} in ${op.repo.name}: ${merge.outcome}${merge.commit ? ` at ${merge.commit.slice(0, 12)}` : ''}`,
    );
    send({ type: 'git.reply', requestId, ok: true, merge });
  } catch (err) {
    const message = (err as Error).message.slice(0, 4000);
    log(`git ${op.kind} for ${op.ticket.identifier} failed: ${message}`);
    send({ type: 'git.reply', requestId, ok: false, error: message });
  }
}
