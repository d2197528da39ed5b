/** A Discord avatar, or the user's initial on a colour picked from their id when they have none. */
export function Avatar({ userId, src, name, size = 32 }: { userId: string; src: string | null; name: string; size?: number }) {
  if (src) {
    return (
      <img
        src={src}
        alt=""
        width={size}
        height={size}
        className="shrink-0 rounded-full bg-zinc-800"
        style={{ width: size, height: size }}
      />
    );
  }
  let hue = 0;
  for (const ch of userId) hue = (hue * 31 + ch.charCodeAt(0)) % 360;
  return (
    <span
      aria-hidden
      className="grid shrink-0 place-items-center rounded-full font-semibold text-white"
      style={{ width: size, height: size, fontSize: size * 0.45, background: `hsl(${hue} 55% 45%)` }}
    >
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}
