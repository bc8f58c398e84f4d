/** Short messages at the bottom of the screen: what just happened, or why it did not. */
import { defineStore } from 'pinia';

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

let nextId = 1;

export const useNotices = defineStore('notices', {
  state: () => ({ items: [] as Notice[] }),
  actions: {
    push(kind: Notice['kind'], text: string, ms = kind === 'error' ? 8000 : 3000) {
      const notice = { id: nextId++, kind, text };
      this.items.push(notice);
      setTimeout(() => this.dismiss(notice.id), ms);
    },
    info(text: string) {
      this.push('info', text);
    },
    error(text: string) {
      this.push('error', text);
    },
    dismiss(id: number) {
      this.items = this.items.filter((n) => n.id !== id);
    },
  },
});
