import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { buttonPrimary } from './styles.ts';

/** A page that explains one situation (a closed room, an expired link) and offers a way on. */
export function MessagePage({ eyebrow, title, children, actions }: { eyebrow?: string; title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <main className="mx-auto flex max-w-xl flex-col items-center gap-4 px-6 py-20 text-center">
      {eyebrow ? <p className="text-sm font-semibold tracking-wide text-blurple-light uppercase">{eyebrow}</p> : null}
      <h1 className="text-2xl font-semibold text-balance">{title}</h1>
      <div className="text-zinc-400 text-pretty">{children}</div>
      <div className="mt-2 flex flex-wrap justify-center gap-3">
        {actions}
        <Link to="/" className={buttonPrimary}>
          Back to the lobby
        </Link>
      </div>
    </main>
  );
}
