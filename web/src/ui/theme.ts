/**
 * Light, dark or the system's: the choice is remembered in this browser (localStorage) and applied as
 * `data-theme` on <html>, which ui/tokens.css reads; "system" follows `prefers-color-scheme`, also when it changes.
 */
import { ref, watch } from 'vue';

export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: Array<{ value: ThemeChoice; label: string }> = [
  { value: 'system', label: 'Like the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];
const KEY = 'openase.theme';

function stored(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

export const themeChoice = ref<ThemeChoice>(stored());

const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

function apply(): void {
  const dark = themeChoice.value === 'dark' || (themeChoice.value === 'system' && systemDark.matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

/** Applies the remembered choice now and keeps the page in step with the choice and the system. */
export function startTheme(): void {
  apply();
  systemDark.addEventListener('change', apply);
  watch(themeChoice, (v) => {
    if (v === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, v);
    apply();
  });
}
