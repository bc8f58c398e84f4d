/**
 * Workflow hooks (`hooks.<name>` in a harness file, HOOK_POINTS) in words: the run drawer's and the CLI's hook lines
 * ("the before-turn checks failed (exit 2): make lint", describeRunEvent) and the workflow editor's reference (the name
 * a person types under `hooks:`, then when it runs). One place, so the screens and the terminal say the same.
 */
import type { HookPoint } from '../protocol/agent-run.js';

export const HOOK_WORDS: Readonly<Record<HookPoint, { label: string; when: string }>> = {
  on_claim: {
    label: 'the setup on taking the ticket',
    when: 'once, when the agent takes the ticket, before its first turn',
  },
  before_turn: { label: 'the before-turn checks', when: 'before each turn of the agent' },
  after_turn: {
    label: 'the after-turn checks',
    when: 'after each turn, before its changes are committed and pushed (a failure is sent back to the agent to fix)',
  },
  before_finish: {
    label: 'the checks before finishing',
    when: 'when the agent asks to finish: a failure keeps the ticket out of its finish status and its output goes back to the agent',
  },
  on_done: { label: 'the hook after success', when: 'after the run succeeded' },
  on_error: { label: 'the hook after a failure', when: 'after the run failed' },
  on_cancel: { label: 'the hook after cancelling', when: 'after the run was cancelled or stopped' },
};

/** A hook by what it is ("the before-turn checks"); a name this code does not know as "the after-create hook". */
export function hookWords(hook: string): string {
  return Object.hasOwn(HOOK_WORDS, hook)
    ? HOOK_WORDS[hook as HookPoint].label
    : `the ${hook.replace(/[_.]+/g, '-')} hook`;
}

/** What a hook's policy means for a failure, said only when the run goes on anyway. */
export const HOOK_POLICY_WORDS = {
  block: 'a failure stops the step',
  warn: 'reported, the run goes on',
  ignore: 'ignored, the run goes on',
} as const;
