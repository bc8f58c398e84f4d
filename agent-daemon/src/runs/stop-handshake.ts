/**
 * How a stop (cancel, timeout) reaches a run's command exactly once, however it overlaps the exec
 * wrapper's start. The daemon may stop a run while its wrapper is still starting: a SIGTERM then
 * would kill the wrapper itself (its Node has no handler yet) or miss the command (not spawned yet).
 * So through files in the run folder:
 *   - the daemon records the stop (`stopReason` in state.json), then looks for `child.pid`;
 *   - the wrapper writes `child.pid` right after spawning the command, then looks for the stop.
 * Each side writes its file before it reads the other's, so at least one of them sees both; whoever
 * does claims `term-sent` (created exclusively, so only one can) and sends SIGTERM to the group.
 * Only that SIGTERM goes this way: a SIGKILL (the escalation, a discarded run) goes to the group at once.
 *
 * Giving up on a wrapper that never announced itself works the same way: the daemon writes `gave-up`, then looks
 * for `wrapper.pid` once more; the wrapper writes `wrapper.pid`, then looks for `gave-up` and, finding it, exits
 * without running the command. So a wrapper that starts after its run was failed never runs it unseen.
 */
import fs from 'node:fs';
import path from 'node:path';

/** The wrapper: its command is running (its handlers are in place, the command is in its group). */
export function announceCommand(dir: string, pid: number): void {
  fs.writeFileSync(path.join(dir, 'child.pid'), String(pid));
}

export function commandAnnounced(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'child.pid'));
}

/** The daemon asked for a stop (state.json is replaced atomically; the reason is in it before stop() looks further). */
export function stopRequested(dir: string): boolean {
  try {
    return !!(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { stopReason?: string }).stopReason;
  } catch {
    return false;
  }
}

/** True for the one caller that is to send the SIGTERM (the file says which one it was). */
export function claimTerm(dir: string, by: 'daemon' | 'wrapper'): boolean {
  try {
    fs.writeFileSync(path.join(dir, 'term-sent'), by, { flag: 'wx' });
    return true;
  } catch (err) {
    // Only an existing claim means someone else sends it: on any other failure, better twice than never.
    return (err as NodeJS.ErrnoException).code !== 'EEXIST';
  }
}

/**
 * The wrapper, first thing: its own pid, which is its process group's id (it starts detached). A daemon killed between
 * spawning the wrapper and saving that pid in state.json (a window of a few milliseconds) left a run whose wrapper
 * went on running unknown to the daemon after it, and so was failed as "the daemon stopped before the run started"
 * while its command ran to the end (the kill/restart bench lost such a run's 2,000 lines; run-handle.test.ts).
 */
export function announceWrapper(dir: string, pid: number): void {
  fs.writeFileSync(path.join(dir, 'wrapper.pid'), String(pid));
}

/** The pid the wrapper announced, or null when it has not (yet). */
export function announcedWrapper(dir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'wrapper.pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * The daemon: a wrapper that has not announced itself after all this time is given up on. Returns the pid it announced
 * meanwhile (then it is running after all, and is followed as usual), or null (it will not run the command).
 */
export function giveUpOnWrapper(dir: string): number | null {
  fs.writeFileSync(path.join(dir, 'gave-up'), '');
  return announcedWrapper(dir);
}

/** The wrapper, once announced: whether the daemon gave up on it (its run is already failed). */
export function givenUp(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'gave-up'));
}
