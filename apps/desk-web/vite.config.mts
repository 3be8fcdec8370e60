import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));

/** The agent desk: built into dist/desk-web and served by ccm at /agent (assets under /agent/assets). */
export default defineConfig({
  root: here,
  base: '/agent/',
  resolve: {
    // The desk uses the templates lib's validator; its model comes from `@app/core`, whose only part a
    // browser may load is the rich-message model (the rest is Nest and Node).
    alias: [
      { find: /^@app\/templates\/(.*)$/, replacement: resolve(here, '../../libs/templates/src/$1') },
      { find: /^@app\/core$/, replacement: resolve(here, '../../libs/core/src/rich-message.types.ts') },
    ],
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(here, '../../dist/desk-web'),
    emptyOutDir: true,
    target: 'es2022',
    cssCodeSplit: false,
    modulePreload: { polyfill: false }, // the polyfill would be an inline script
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/socket.io': { target: 'http://127.0.0.1:3000', ws: true } } },
});
