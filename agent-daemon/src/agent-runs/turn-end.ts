/**
 * What the daemon does with the workspace after each turn, per repository: check the changed
 * paths against the harness' `paths` rules and take the violating ones out of everything unpushed
 * (reverted in the worktree, never committed, never on the remote; the control plane tells the
 * agent), commit what the agent left uncommitted (concluding a merge of the default branch once its
 * conflicts are resolved, workspace/base-merge.ts), push the ticket branch. Git runs without a
 * shell (workspace/git.ts): the ticket title in the commit message is one argv element, never
 * interpreted.
 */
import type { RunEvent } from '@openase/shared/events/run-events';
import type { AgentJobSpec } from '@openase/shared/protocol/agent-run';
import { pathViolations, type PreparedWorkspace, type Workspaces } from '../workspace/workspace.js';
import { unresolvedConflicts } from '../workspace/base-merge.js';
import { takeCommitMessage } from './commit-message.js';

const SUBJECT_TITLE_MAX = 200;

/** `<IDENTIFIER>: <title> (turn N)`, the title on one line and clipped. */
export function turnCommitMessage(ticket: { identifier: string; title: string }, turn: number): string {
  let title = ticket.title.replace(/\s+/g, ' ').trim();
  if (title.length > SUBJECT_TITLE_MAX) title = `${title.slice(0, SUBJECT_TITLE_MAX - 1)}…`;
  return `${ticket.identifier}: ${title || 'untitled'} (turn ${turn})`;
}

export interface TurnSettlement {
  pathViolations: Array<{ path: string; rule: string }>;
  /** Per repository: the branch head after the turn, and whether it is on the remote. */
  commits: Array<{ repo: string; branch: string; head: string; base: string; pushed: boolean }>;
  /** What went wrong with git, for the `run.turn` frame. */
  error?: string;
}

export async function settleTurn(
  workspaces: Workspaces,
  ws: PreparedWorkspace,
  spec: AgentJobSpec,
  turn: number,
  emit: (event: RunEvent) => void,
): Promise<TurnSettlement> {
  const violations: TurnSettlement['pathViolations'] = [];
  const errors: string[] = [];
  const commits: TurnSettlement['commits'] = [];
  const several = ws.repos.length > 1;
  // The agent's words for its work (commit-message.ts), then which ticket and turn: one message for every repository.
  const said = takeCommitMessage(ws.dir);
  const message = said ? `${said}\n\n${turnCommitMessage(spec.ticket, turn)}` : turnCommitMessage(spec.ticket, turn);
  for (const repo of ws.repos) {
    const where = several ? `${repo.name}: ` : '';
    try {
      const changed = await workspaces.changedPaths(repo);
      // Clipped to the frame's limits (a long allow list makes a long rule text).
      const found = pathViolations(changed, spec.paths);
      await workspaces.revertPaths(
        repo,
        found.map((v) => v.path),
      );
      const broken = found.map((v) => ({
        path: (several ? `${repo.name}/${v.path}` : v.path).slice(0, 4096),
        rule: v.rule.slice(0, 500),
      }));
      violations.push(...broken);
      emit({
        type: 'workspace',
        step: 'paths',
        ok: broken.length === 0,
        message: `${where}${changed.length} path(s) changed since the run started${
          broken.length
            ? `, ${broken.length} outside the harness rules, reverted (never committed or pushed): ${broken
                .slice(0, 5)
                .map((v) => v.path)
                .join(', ')}`
            : ''
        }`,
        details: { repo: repo.name, changed: changed.slice(0, 200), violations: broken.slice(0, 200) },
      });
      // A merge of the default branch is committed only once its conflicts are resolved.
      const unresolved = await unresolvedConflicts(workspaces, repo);
      if (unresolved.length)
        throw new Error(
          `conflict markers remain in ${unresolved.join(', ')}: resolve them; the merge of ${repo.baseMerge!.defaultBranch} is not committed yet`,
        );
      const commit = await workspaces.commitAll(repo, message);
      if (commit)
        emit({
          type: 'workspace',
          step: 'commit',
          ok: true,
          message: `${where}committed the agent's uncommitted changes as ${commit.slice(0, 12)}`,
          details: { repo: repo.name, commit },
        });
      const head = (await workspaces.gitIn(repo.path, ['rev-parse', 'HEAD'])).stdout.trim();
      // Nothing new since the run started: no push (it would only create a branch equal to the base).
      if (head === repo.baseCommit) {
        commits.push({ repo: repo.name, branch: repo.branch, head, base: repo.baseCommit, pushed: false });
        continue;
      }
      const entry = { repo: repo.name, branch: repo.branch, head, base: repo.baseCommit, pushed: false };
      commits.push(entry);
      await workspaces.push(repo);
      entry.pushed = true;
      emit({
        type: 'workspace',
        step: 'push',
        ok: true,
        message: `${where}pushed ${repo.branch} at ${head.slice(0, 12)}`,
        details: { repo: repo.name, branch: repo.branch, commit: head },
      });
    } catch (err) {
      const message = `${where}${(err as Error).message}`;
      errors.push(message);
      emit({ type: 'workspace', step: 'push', ok: false, message });
    }
  }
  return {
    pathViolations: violations.slice(0, 1000),
    commits,
    ...(errors.length ? { error: errors.join('; ').slice(0, 4000) } : {}),
  };
}
