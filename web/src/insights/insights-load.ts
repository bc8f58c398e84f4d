/** The project's insights (`projects.insights`) for a page: loaded with the page, reloaded on ticket or run changes. */
import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import { useRoute } from 'vue-router';
import type { InsightFacts } from '@openase/shared';
import { api } from '../api/client';
import { onChange } from '../live/live';
import { notLoaded, trackLoad } from '../ui/async-state';

export function useInsights(days: Ref<number>) {
  const route = useRoute();
  const project = computed(() => String(route.params.project));
  const state = ref(notLoaded());
  const facts = ref<InsightFacts | null>(null);
  const load = () =>
    trackLoad(state.value, async () => {
      facts.value = await api.projects.insights.query({ project: project.value, days: days.value });
    });
  watch([project, days], () => void load());
  onMounted(() => void load());
  let timer: ReturnType<typeof setTimeout> | null = null;
  onBeforeUnmount(
    onChange((c) => {
      if (c.entityType !== 'ticket' && c.entityType !== 'run') return;
      timer ??= setTimeout(() => {
        timer = null;
        void load();
      }, 500);
    }),
  );
  onBeforeUnmount(() => timer && clearTimeout(timer));
  return { project, state, facts, load };
}
