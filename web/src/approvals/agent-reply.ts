/** What the drawer's answers to the ticket's agent (approve/decline, answer, steer) share. */
import { computed, ref } from 'vue';
import { useTicket } from '../tickets/ticket-store';
import { useSession } from '../auth/session';

/**
 * `canReply`: the person may answer the agent (signed in, not a viewer). `draft`: the text being written. `send` runs
 * one answer through the ticket store (a failure is its notice "`what`: reason"), `busy` meanwhile; once it worked
 * the draft is emptied. It says whether it worked.
 */
export function useAgentReply() {
  const ticket = useTicket();
  const session = useSession();
  const busy = ref(false);
  const draft = ref('');
  const canReply = computed(() => !!session.me && session.me.role !== 'viewer');
  async function send(what: string, work: () => Promise<unknown>): Promise<boolean> {
    busy.value = true;
    const ok = await ticket.run(what, work);
    if (ok) draft.value = '';
    busy.value = false;
    return ok;
  }
  return { busy, canReply, draft, send };
}
