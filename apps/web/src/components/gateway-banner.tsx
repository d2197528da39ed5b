import { useRealtime } from '../hooks/realtime.tsx';

/** Shown on every page while the server's own Discord connection is down (R-RT9). */
export function GatewayBanner() {
  const { gateway } = useRealtime();
  if (gateway?.live !== false) return null;
  return (
    <div role="alert" className="border-b border-amber-500/30 bg-amber-500/10">
      <p className="mx-auto max-w-5xl px-4 py-2 text-sm text-amber-200">
        <strong className="font-semibold">Live updates from Discord are delayed.</strong>{' '}
        <span className="text-amber-200/80">The server is reconnecting to Discord; this page catches up by itself.</span>
      </p>
    </div>
  );
}
