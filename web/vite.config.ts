import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import { precompress } from './build/precompress';

// `pnpm --filter @openase/web dev`: the console on Vite's dev server, API calls proxied to a
// running control plane (OPENASE_URL, default http://127.0.0.1:19836).
const target = process.env.OPENASE_URL ?? 'http://127.0.0.1:19836';
const proxy = Object.fromEntries(
  ['/trpc', '/api', '/auth', '/agent'].map((prefix) => [prefix, { target, changeOrigin: false }]),
);

export default defineConfig({
  plugins: [vue(), precompress()],
  server: { proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      // zod's sources carry `@__PURE__` comments where Rollup cannot use them; it drops them and says so on every
      // build (`npm start` on a fresh clone printed two screens of it). Warnings about our own code still show.
      onwarn(warning, warn) {
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/')) return;
        warn(warning);
      },
    },
  },
});
