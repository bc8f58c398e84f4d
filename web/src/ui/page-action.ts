/** The "do it, then show the page again" step of the settings and list pages, in one place. */
import { errorMessage } from '../api/errors';
import { useNotices } from './notices';

/** An action on a page: runs `work`, then reloads; a failure becomes the notice "`what`: reason". */
export type PageAction = (what: string, work: () => Promise<unknown>) => Promise<void>;

/**
 * The page's action runner. `reload`: `'on-success'` reloads only after `work` succeeded (a failed reload is
 * reported like the action); `'always'` reloads after a failure too, since a failed change may have half-landed.
 */
export function usePageAction(
  load: () => Promise<unknown>,
  reload: 'on-success' | 'always' = 'on-success',
): PageAction {
  const notices = useNotices();
  return async (what, work) => {
    try {
      await work();
      if (reload === 'on-success') await load();
    } catch (err) {
      notices.error(`${what}: ${errorMessage(err)}`);
    }
    if (reload === 'always') await load();
  };
}
