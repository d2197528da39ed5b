import type { Clock } from '@repo/platform';

/**
 * The outside world of the realtime client, as a port: the token endpoint, the socket, the clock,
 * randomness and the browser's network signals. hooks/realtime.tsx plugs in the browser's;
 * tests plug in fakes they drive by hand.
 */
export type TokenResult = { kind: 'token'; token: string } | { kind: 'signed-out'; loginUrl: string } | { kind: 'failed'; message: string };

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(code: number, reason: string): void;
}

export interface SocketHandle {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface NetworkSignals {
  online(): void;
  offline(): void;
  /** The tab became visible again (it may have slept). */
  visible(): void;
}

/** Everything the client needs from the outside world; the browser's is in hooks/realtime.tsx, tests bring fakes. */
export interface RealtimeEnvironment {
  socketUrl(): string;
  fetchToken(): Promise<TokenResult>;
  openSocket(url: string, handlers: SocketHandlers): SocketHandle;
  /** The browser's is the platform's systemClock (it runs in a browser as well); tests move a FakeClock. */
  clock: Clock;
  random(): number;
  isOnline(): boolean;
  watchNetwork(signals: NetworkSignals): () => void;
  /** The session is gone: go to sign-in (R-AUTH3). */
  signedOut(loginUrl: string): void;
  warn?(message: string, detail?: unknown): void;
}
