import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Plugin } from 'vite';

/**
 * Bundles the production entry (`server/prod.ts` and the local modules it imports) into one plain
 * JavaScript file next to Vite's output, so `pnpm start` runs `node dist/prod.mjs` without a
 * TypeScript loader: `node --import tsx` cost ~135 MB of RSS at runtime (tsx's esbuild service and
 * its module hooks), more than half of the 250 MB budget for 10k connections.
 *
 * The built server entry (dist/server/server.js) is loaded by prod.ts at runtime by path, so it is
 * not part of this bundle; node_modules packages stay external and resolve from apps/web.
 */
export function prodServerBundle(options: { entry: string; outfile: string }): Plugin {
  const root = fileURLToPath(new URL('../', import.meta.url));
  return {
    name: 'spell-rooms:prod-server-bundle',
    apply: 'build',
    // 'post': after every environment (client, ssr) is built, so no output-dir cleanup removes it.
    buildApp: {
      order: 'post',
      async handler() {
        await build({
          absWorkingDir: root,
          entryPoints: [options.entry],
          outfile: options.outfile,
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node20',
          packages: 'external',
          sourcemap: 'linked',
          logLevel: 'warning',
        });
      },
    },
  };
}
