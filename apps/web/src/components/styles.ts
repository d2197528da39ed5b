/** Shared class lists for controls, so every button and badge looks and focuses the same. */
const base =
  'inline-flex items-center justify-center gap-2 rounded-md px-4 py-2 text-sm font-medium transition-colors disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-not-allowed aria-disabled:opacity-60';

export const buttonPrimary = `${base} bg-blurple text-white hover:bg-blurple-dark`;
export const buttonSecondary = `${base} border border-zinc-700 bg-zinc-900 text-zinc-100 hover:bg-zinc-800`;
export const buttonDanger = `${base} bg-red-600 text-white hover:bg-red-700`;
export const buttonDangerOutline = `${base} border border-red-500/50 text-red-300 hover:bg-red-500/10`;
export const buttonSmall = 'px-3 py-1.5 text-xs';

export const card = 'rounded-xl border border-zinc-800 bg-zinc-900/60';
export const badge = 'inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium';
