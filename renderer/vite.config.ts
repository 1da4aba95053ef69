// Vite build of the renderer: `npm run build:renderer` writes renderer/dist, which serve and the Electron
// app protocol load. No inline scripts or styles, so the strict CSP (script-src 'self'; style-src 'self') holds.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
});
