import { onBeforeUnmount, onMounted, ref, watch } from 'vue';
import { useRoute } from 'vue-router';

/**
 * A button's drop-down panel in the top bar (More, the account menu): open on the button, closed by a click
 * elsewhere, by Escape (focus back on the button) and by going to another page. `root` holds the button and panel.
 */
export function useDropdown() {
  const open = ref(false);
  const root = ref<HTMLElement | null>(null);
  const route = useRoute();
  watch(
    () => route.fullPath,
    () => (open.value = false),
  );
  const onPointer = (event: Event) => {
    if (open.value && !root.value?.contains(event.target as Node)) open.value = false;
  };
  const onKey = (event: KeyboardEvent) => {
    if (!open.value || event.key !== 'Escape') return;
    // The menu's Escape only: the drawer and the board listen on the window for theirs.
    event.stopPropagation();
    open.value = false;
    root.value?.querySelector<HTMLElement>('[aria-expanded]')?.focus();
  };
  onMounted(() => {
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('keydown', onKey);
  });
  onBeforeUnmount(() => {
    document.removeEventListener('pointerdown', onPointer);
    document.removeEventListener('keydown', onKey);
  });
  return { open, root, toggle: () => (open.value = !open.value) };
}
