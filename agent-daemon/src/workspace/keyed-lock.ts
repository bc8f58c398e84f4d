/**
 * Runs async work one at a time per key, in the order it was asked for; different keys run in
 * parallel. The workspace uses it per repository cache: git does not allow a fetch into a bare
 * repository while another process adds or removes one of its worktrees (the fetch's connectivity
 * check reads every worktree's HEAD, which is half-written at that moment), and two first clones
 * race for the same config file. One daemon owns its workspace root, so a lock in the process is
 * enough.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    // Forget the key once nothing is queued behind this piece of work.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work running or queued (for tests and diagnostics). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
