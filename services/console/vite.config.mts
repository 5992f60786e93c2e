import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * `vite build services/console` (npm run build) writes dist/console, which the gateway serves at
 * `/`. `vite services/console` is a dev server on :5173 that sends API calls to a running gateway.
 */
export default defineConfig({
  plugins: [react()],
  build: { outDir: '../../dist/console', emptyOutDir: true, sourcemap: true },
  server: {
    port: 5173,
    proxy: Object.fromEntries(['/v1', '/docs', '/health'].map((prefix) => [prefix, 'http://localhost:3000'])),
  },
});
