import tailwindcss from '@tailwindcss/vite';
import { tanstackStart } from '@tanstack/react-start/plugin/vite';
import viteReact from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { devWebSocket } from './server/dev-websocket.ts';

export default defineConfig({
  server: { strictPort: true },
  plugins: [
    devWebSocket({ path: '/api/ws' }),
    tailwindcss(),
    tanstackStart(), // must come before the React plugin
    viteReact(),
  ],
});
