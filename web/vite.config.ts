/**
 * The medslim console: a static single-page app. `base: './'` keeps every asset URL relative, so
 * `dist/` works from any folder of any static host; routes live in the URL hash (#/models/…), so
 * the host never has to know them. In development `/v1` is proxied to a local `medslim serve`.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/v1': { target: 'http://127.0.0.1:8787', changeOrigin: false } } },
});
