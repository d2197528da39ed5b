import { systemClock } from '@repo/platform';
import type { RoomListing, RoomSnapshot } from '@repo/protocol';
import { type ReactNode, createContext, use, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { fetchWsToken, goToSignIn } from '../client/api.ts';
import { type ConnectionState, RealtimeClient, type RealtimeEnvironment } from '../client/realtime-client.ts';
import { type RoomChannel, emptyChannel, seededChannel } from '../client/room-state.ts';

/**
 * React's view of the tab's one realtime connection. The client lives in the provider's state
 * (not in a module), so server renders never share one and each tab gets exactly one socket,
 * shared by every component that reads it.
 */
const RealtimeContext = createContext<RealtimeClient | null>(null);

function browserEnvironment(): RealtimeEnvironment {
  return {
    socketUrl: () => `${window.location.protocol === 'https:' ? 'wss:' : 'ws:'}//${window.location.host}/api/ws`,
    fetchToken: fetchWsToken,
    openSocket(url, handlers) {
      const ws = new WebSocket(url);
      ws.onopen = () => handlers.open();
      ws.onmessage = (event) => {
        if (typeof event.data === 'string') handlers.message(event.data);
      };
      ws.onclose = (event) => handlers.close(event.code, event.reason);
      return { send: (data) => ws.send(data), close: (code, reason) => ws.close(code, reason) };
    },
    clock: systemClock,
    random: Math.random,
    isOnline: () => navigator.onLine,
    watchNetwork({ online, offline, visible }) {
      const onVisibility = () => {
        if (document.visibilityState === 'visible') visible();
      };
      window.addEventListener('online', online);
      window.addEventListener('offline', offline);
      document.addEventListener('visibilitychange', onVisibility);
      return () => {
        window.removeEventListener('online', online);
        window.removeEventListener('offline', offline);
        document.removeEventListener('visibilitychange', onVisibility);
      };
    },
    signedOut: goToSignIn,
    warn: (message, detail) => console.warn(message, detail ?? ''),
  };
}

/** Wraps the app. `enabled`: a user is signed in (the socket needs a session for its token). */
export function RealtimeProvider({ enabled, children }: { enabled: boolean; children: ReactNode }) {
  const [client] = useState(() => new RealtimeClient(browserEnvironment()));
  useEffect(() => {
    if (!enabled) return;
    client.start();
    return () => client.stop();
  }, [client, enabled]);
  return <RealtimeContext value={client}>{children}</RealtimeContext>;
}

function useClient(): RealtimeClient {
  const client = use(RealtimeContext);
  if (!client) throw new Error('useRealtime() needs <RealtimeProvider> above it');
  return client;
}

export interface Realtime extends ConnectionState {
  retry(): void;
}

/** The connection's state (status, Discord status, clock skew) and the Retry action. */
export function useRealtime(): Realtime {
  const client = useClient();
  const state = useSyncExternalStore(client.subscribe, client.getState, client.getState);
  return useMemo(() => ({ ...state, retry: () => client.retry() }), [state, client]);
}

export interface RoomHandle {
  channel: RoomChannel;
  /** Ask for a fresh snapshot (also tells the server someone is here). */
  resync(): void;
}

/**
 * Follows one room: its snapshot, then its live events. `seed` is the snapshot the page was
 * rendered with; it shows until the socket's own snapshot arrives.
 */
export function useRoom(roomId: string, seed?: RoomSnapshot): RoomHandle {
  const client = useClient();
  // The seed only matters when watching starts; later snapshots come from the socket.
  useEffect(() => client.watchRoom(roomId, seed), [client, roomId]);
  const live = useSyncExternalStore(
    client.subscribe,
    () => client.room(roomId),
    () => undefined,
  );
  const fallback = useMemo(() => (seed && seed.roomId === roomId ? seededChannel(seed) : emptyChannel(roomId)), [roomId, seed]);
  const channel = live ?? fallback;
  return useMemo(() => ({ channel, resync: () => client.resync(roomId) }), [channel, client, roomId]);
}

/**
 * The signed-in user's rooms: the page's load, then `lobby.rooms` events; refetched over HTTP
 * after every (re)connect, since events sent while we were away are lost.
 */
export function useLobbyRooms(initial: RoomListing[] | null, refetch: () => Promise<RoomListing[] | null>): RoomListing[] | null {
  const client = useClient();
  const lobby = useSyncExternalStore(client.subscribe, () => client.lobby(), () => null);
  const { resyncs } = useSyncExternalStore(client.subscribe, client.getState, client.getState);
  useEffect(() => {
    if (resyncs === 0) return;
    const since = client.lobby()?.version ?? 0;
    let cancelled = false;
    refetch()
      .then((rooms) => {
        if (!cancelled && rooms) client.offerLobby(rooms, since);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [client, resyncs]);
  return lobby?.rooms ?? initial;
}

/** Whole seconds until `deadline` (server clock), ticking every second; null without a deadline. */
export function useCountdown(deadline: number | null, clockSkewMs: number): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (deadline === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [deadline]);
  if (deadline === null) return null;
  return Math.max(0, Math.ceil((deadline - (now + clockSkewMs)) / 1000));
}
