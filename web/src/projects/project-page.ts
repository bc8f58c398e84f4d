/** The loading every list page of a project (agents, repositories, skills) does the same way. */
import { computed, onBeforeUnmount, onMounted, ref, watch } from 'vue';
import { useRoute } from 'vue-router';
import { onChange, type LiveChange } from '../live/live';
import { notLoaded, trackLoad } from '../ui/async-state';

/**
 * Runs `fetch` for the project in the URL (its slug): on mount, when the URL's project changes, and when another tab
 * or the CLI changes one of `entities` (live). `state`: the load's, for StateView; `load`: fetch again now.
 */
export function useProjectPage(
  entities: readonly LiveChange['entityType'][],
  fetch: (project: string) => Promise<void>,
) {
  const route = useRoute();
  const project = computed(() => String(route.params.project));
  const state = ref(notLoaded());
  const load = () => trackLoad(state.value, () => fetch(project.value));
  watch(project, () => void load());
  onMounted(() => void load());
  onBeforeUnmount(onChange((c) => entities.includes(c.entityType) && void load()));
  return { project, state, load };
}
