/** The actions the list and the detail page both offer, with their notices. */
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import { useNotices } from '../ui/notices';
import { useJobs } from './jobs-store';

export function useJobActions(project: () => string) {
  const notices = useNotices();
  const jobs = useJobs();
  async function act(what: string, work: () => Promise<string>): Promise<boolean> {
    try {
      notices.info(await work());
      await jobs.reload();
      return true;
    } catch (err) {
      notices.error(`${what}: ${errorMessage(err)}`);
      return false;
    }
  }
  return {
    runNow: (name: string) =>
      act(`Could not run ${name}`, async () => {
        const outcome = await api.jobs.runNow.mutate({ project: project(), job: name });
        if (outcome.kind === 'fired') return `${name} created ${outcome.ticket.identifier}`;
        throw new Error(outcome.kind === 'failed' ? outcome.error : 'it was already fired');
      }),
    setEnabled: (name: string, enabled: boolean) =>
      act(`Could not ${enabled ? 'enable' : 'disable'} ${name}`, async () => {
        await api.jobs.setEnabled.mutate({ project: project(), job: name, enabled });
        return `${name} ${enabled ? 'enabled' : 'disabled'}`;
      }),
    remove: (name: string) =>
      act(`Could not delete ${name}`, async () => {
        await api.jobs.delete.mutate({ project: project(), job: name });
        return `deleted ${name}`;
      }),
  };
}
