import tailwindcss from '@tailwindcss/vite';
import { tanstackStart } from '@tanstack/react-start/plugin/vite';
import viteReact from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { devWebSocket } from './server/dev-websocket.ts';
import { prodServerBundle } from './server/prod-bundle.ts';

export default defineConfig({
  server: { strictPort: true },
  plugins: [
    devWebSocket({ path: '/api/ws' }),
    tailwindcss(),
    tanstackStart(), // must come before the React plugin
    viteReact(),
    // `pnpm start` runs dist/prod.mjs with plain node (no tsx at runtime).
    prodServerBundle({ entry: 'server/prod.ts', outfile: 'dist/prod.mjs' }),
  ],
});
