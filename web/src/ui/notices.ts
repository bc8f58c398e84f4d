/** Short messages at the bottom of the screen: what just happened, or why it did not. */
import { defineStore } from 'pinia';

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
  /** A button on the notice (Undo): pressing it runs `run` and dismisses the notice. */
  action?: { label: string; run: () => unknown };
}

let nextId = 1;

export const useNotices = defineStore('notices', {
  state: () => ({ items: [] as Notice[] }),
  actions: {
    push(kind: Notice['kind'], text: string, ms = kind === 'error' ? 8000 : 3000, action?: Notice['action']) {
      const notice: Notice = { id: nextId++, kind, text, ...(action ? { action } : {}) };
      this.items.push(notice);
      setTimeout(() => this.dismiss(notice.id), ms);
    },
    info(text: string) {
      this.push('info', text);
    },
    /** A message with an Undo-like button, kept long enough to reach it (10 s). */
    withAction(text: string, action: NonNullable<Notice['action']>) {
      this.push('info', text, 10_000, action);
    },
    error(text: string) {
      this.push('error', text);
    },
    dismiss(id: number) {
      this.items = this.items.filter((n) => n.id !== id);
    },
  },
});
