import { defineConfig } from 'vite';

/**
 * The web app (web/) built into dist/web, which Sesame serves at /app and
 * /admin. One page for both: the admin console is a separate chunk loaded only
 * under /admin. No inline script anywhere, so it runs under the pages' CSP.
 */
export default defineConfig({
  root: 'web',
  base: '/app/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
