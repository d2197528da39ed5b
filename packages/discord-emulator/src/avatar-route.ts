import type { ServerResponse } from 'node:http';
import { avatarPng } from './avatar.ts';
import { sendJson } from './http/respond.ts';
import type { EmulatorState } from './state.ts';

/**
 * The CDN slice the app needs: `/avatars/:userId/:hash.(png|webp|jpg|gif)` and Discord's default
 * avatars `/embed/avatars/:n.png`. Whatever the extension asked for, a PNG comes back (browsers
 * sniff images, and discord.js asks for webp by default).
 */

const AVATAR_PATH = /^\/avatars\/(\d+)\/([0-9a-f_]+|a_[0-9a-f]+)\.(png|webp|jpe?g|gif)$/;
const DEFAULT_AVATAR_PATH = /^\/embed\/avatars\/(\d)\.png$/;
const MAX_CACHED = 2_000;

export class AvatarRoute {
  readonly #cache = new Map<string, Buffer>();

  constructor(private readonly state: EmulatorState) {}

  matches(path: string): boolean {
    return AVATAR_PATH.test(path) || DEFAULT_AVATAR_PATH.test(path);
  }

  serve(path: string, res: ServerResponse): void {
    const custom = AVATAR_PATH.exec(path);
    if (custom) {
      const [, userId = '', hash = ''] = custom;
      const user = this.state.findUser(userId);
      if (!user || user.id !== userId || user.avatar !== hash) {
        sendJson(res, 404, { message: '404: Not Found', code: 0 });
        return;
      }
      this.#send(res, `${userId}:${hash}`, () => avatarPng((user.global_name ?? user.username).charAt(0), hash));
      return;
    }
    const index = DEFAULT_AVATAR_PATH.exec(path)?.[1] ?? '0';
    this.#send(res, `default:${index}`, () => avatarPng('?', (Number(index) * 37).toString(16).padStart(2, '0')));
  }

  #send(res: ServerResponse, key: string, render: () => Buffer): void {
    let png = this.#cache.get(key);
    if (!png) {
      png = render();
      if (this.#cache.size >= MAX_CACHED) this.#cache.clear();
      this.#cache.set(key, png);
    }
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length, 'Cache-Control': 'public, max-age=86400' });
    res.end(png);
  }
}
