import type { APIUser } from 'discord-api-types/v10';
import { escapeHtml } from '../http/respond.ts';

/**
 * The emulator's consent screen: one button per test user. Each button's accessible name is
 * exactly "Continue as <username>" (avatar and display name sit outside it), which is what the
 * end-to-end tests click.
 */

export interface AuthorizePageInput {
  appName: string;
  scopes: string[];
  users: Array<{ user: APIUser; member: boolean }>;
  avatarUrl(user: APIUser): string;
}

const SCOPE_TEXT: Record<string, string> = {
  identify: 'Access your username, avatar, and banner',
  email: 'Access your email address',
  guilds: 'Know what servers you are in',
  'guilds.join': 'Join servers for you',
  'guilds.members.read': 'Read your member info in servers',
  connections: 'Access your third-party connections',
};

export function authorizePage(input: AuthorizePageInput): string {
  const scopes = input.scopes.map((s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)}</li>`).join('');
  const users = input.users
    .map(({ user, member }) => {
      const name = escapeHtml(user.username);
      const display = escapeHtml(user.global_name ?? user.username);
      const note = member ? 'member of the test guild' : 'not in the test guild yet';
      return `<li class="user">
  <img src="${escapeHtml(input.avatarUrl(user))}" alt="" width="40" height="40">
  <span class="who"><strong>${display}</strong><small>${escapeHtml(note)}</small></span>
  <button type="submit" name="user" value="${name}">Continue as ${name}</button>
</li>`;
    })
    .join('\n');
  return layout(
    `Authorize ${input.appName}`,
    `<p class="eyebrow">Discord emulator · OAuth2</p>
<h1>${escapeHtml(input.appName)} wants to access your account</h1>
<p>Pick a test user to sign in as. This will allow the application to:</p>
<ul class="scopes">${scopes}</ul>
<form method="post">
  <ul class="users">
${users}
  </ul>
  <div class="actions"><button type="submit" name="action" value="deny" class="secondary">Cancel</button></div>
</form>
<p class="note">Other users (for example generated <code>user0001</code>) can sign in programmatically:
POST this URL with <code>user=&lt;name or id&gt;</code>.</p>`,
  );
}

export function authorizeErrorPage(message: string): string {
  return layout(
    'Authorization error',
    `<p class="eyebrow">Discord emulator · OAuth2</p><h1>Something is wrong with this authorization request</h1>
<p class="error">${escapeHtml(message)}</p>`,
  );
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { color-scheme: dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #1e1f22; color: #dbdee1; }
  main { width: min(440px, 92vw); background: #313338; border-radius: 12px; padding: 28px; box-shadow: 0 8px 24px #0006; }
  h1 { font-size: 1.25rem; margin: .25rem 0 1rem; color: #f2f3f5; }
  .eyebrow { text-transform: uppercase; letter-spacing: .06em; font-size: .75rem; color: #949ba4; margin: 0; }
  .scopes { padding-left: 1.2rem; color: #b5bac1; }
  .users { list-style: none; padding: 0; margin: 1rem 0; display: grid; gap: 8px; }
  .user { display: flex; align-items: center; gap: 12px; padding: 8px 10px; border-radius: 8px; background: #2b2d31; }
  .user img { border-radius: 50%; }
  .who { display: flex; flex-direction: column; flex: 1; }
  .who small { color: #949ba4; }
  button { font: inherit; border: 0; border-radius: 6px; padding: 8px 14px; cursor: pointer; background: #5865f2; color: white; }
  button:hover, button:focus-visible { background: #4752c4; outline: 2px solid #00a8fc; outline-offset: 1px; }
  button.secondary { background: transparent; color: #dbdee1; }
  .actions { display: flex; justify-content: flex-end; }
  .note { font-size: .85rem; color: #949ba4; }
  .error { background: #f2374722; border: 1px solid #f23747; padding: 12px; border-radius: 8px; }
  code { background: #1e1f22; padding: 1px 4px; border-radius: 4px; }
</style></head>
<body><main>${body}</main></body></html>`;
}
