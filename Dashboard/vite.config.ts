import { defineConfig } from 'vite';

// Built into dist/, which the Api's build copies to its wwwroot. `npm run dev` proxies the API and hubs to an
// engine on :5080, so the dashboard can be worked on with hot reload.
export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: {
      '/api': 'http://localhost:5080',
      '/hubs': { target: 'http://localhost:5080', ws: true },
    },
  },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
