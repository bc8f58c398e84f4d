/**
 * Windowing of a long scrolled list (a board column of thousands of cards): only the items in view
 * and a margin around them are in the DOM; spacers above and below stand for the rest, sized from
 * the measured height of one item (cards vary a little: the estimate is the average step of those
 * rendered, so the scrollbar is close and an item never lands far from where it scrolled to).
 */
import { computed, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';

/** Below this many items everything is rendered (a small column gains nothing from windowing). */
export const WINDOW_FROM = 80;
const OVERSCAN = 8;
const ESTIMATE = 96;

export interface WindowRange {
  start: number;
  end: number;
  before: number;
  after: number;
}

/** Items [start, end) and the spacers' heights, for a scroll position and a viewport height. */
export function windowOf(count: number, scrollTop: number, viewport: number, step: number): WindowRange {
  if (count <= WINDOW_FROM) return { start: 0, end: count, before: 0, after: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / step);
  const start = Math.max(0, Math.min(count - 1, first) - OVERSCAN);
  const end = Math.min(count, first + Math.ceil(Math.max(viewport, step) / step) + OVERSCAN);
  return { start, end, before: start * step, after: (count - end) * step };
}

/** The window of `items` for the scroll container `el`, kept up to date on scroll and resize. */
export function useWindowed<T>(items: Ref<T[]>, el: Ref<HTMLElement | null>, itemSelector: string) {
  const scrollTop = ref(0);
  const viewport = ref(800);
  const step = ref(ESTIMATE);
  let frame = 0;
  const read = () => {
    frame = 0;
    const box = el.value;
    if (!box) return;
    scrollTop.value = box.scrollTop;
    viewport.value = box.clientHeight || viewport.value;
    // The average distance between rendered items, gap included.
    const rendered = box.querySelectorAll<HTMLElement>(itemSelector);
    if (rendered.length > 1) {
      const first = rendered[0]!;
      const last = rendered[rendered.length - 1]!;
      const measured = (last.offsetTop - first.offsetTop) / (rendered.length - 1);
      if (measured > 0 && Math.abs(measured - step.value) > 4) step.value = measured;
    }
  };
  const onScroll = () => {
    if (!frame) frame = requestAnimationFrame(read);
  };
  let resize: ResizeObserver | null = null;
  onMounted(() => {
    el.value?.addEventListener('scroll', onScroll, { passive: true });
    if (typeof ResizeObserver !== 'undefined' && el.value) {
      resize = new ResizeObserver(onScroll);
      resize.observe(el.value);
    }
    read();
  });
  onBeforeUnmount(() => {
    el.value?.removeEventListener('scroll', onScroll);
    resize?.disconnect();
    if (frame) cancelAnimationFrame(frame);
  });
  // A new filter or a move changes the items: measure again once they are on screen.
  watch(() => items.value.length, onScroll);
  const range = computed(() => windowOf(items.value.length, scrollTop.value, viewport.value, step.value));
  const slice = computed(() => items.value.slice(range.value.start, range.value.end));
  return { range, slice };
}
