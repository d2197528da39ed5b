/**
 * The control panel at `GET /_emulator/`: one self-contained page (vanilla JS + fetch against the
 * control API) for a developer running `pnpm dev` without Discord. It shows the guild's voice
 * channels and who is in them, moves test users around, toggles mute/deafen, and injects faults.
 * Everything it does is a plain control-API call, shown in the page so people learn the API.
 */
export function controlPanelHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Discord emulator · control panel</title>
<style>
  :root { color-scheme: dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; --bg:#1e1f22; --card:#2b2d31; --line:#3f4147; --muted:#949ba4; --accent:#5865f2; --red:#f23f43; --green:#23a55a; }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: #dbdee1; }
  header { display: flex; flex-wrap: wrap; align-items: baseline; gap: 16px; padding: 16px 24px; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.15rem; margin: 0; color: #f2f3f5; }
  header .stats { display: flex; gap: 16px; color: var(--muted); font-size: .9rem; }
  main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(280px, 1fr); gap: 20px; padding: 20px 24px; }
  @media (max-width: 860px) { main { grid-template-columns: 1fr; } }
  section { background: var(--card); border-radius: 10px; padding: 16px; margin-bottom: 16px; }
  h2 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); margin: 0 0 12px; }
  .channels { display: grid; gap: 12px; }
  .channel { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
  .channel h3 { margin: 0 0 6px; font-size: 1rem; display: flex; gap: 8px; align-items: center; }
  .badge { font-size: .7rem; padding: 1px 6px; border-radius: 999px; background: var(--line); color: #dbdee1; font-weight: 500; }
  .badge.hidden { background: #f23f4333; color: #ffb3b5; }
  .occupant { display: flex; align-items: center; gap: 10px; padding: 4px 0; }
  .occupant img { width: 28px; height: 28px; border-radius: 50%; }
  .occupant .name { flex: 1; }
  .occupant .flags { color: var(--muted); font-size: .8rem; }
  .empty { color: var(--muted); font-size: .9rem; margin: 0; }
  button, select, input { font: inherit; border-radius: 6px; border: 1px solid var(--line); background: #1e1f22; color: #dbdee1; padding: 6px 10px; }
  button { cursor: pointer; background: #4e5058; border-color: transparent; }
  button.primary { background: var(--accent); color: white; }
  button.danger { background: var(--red); color: white; }
  button.small { padding: 2px 8px; font-size: .8rem; }
  button:focus-visible, select:focus-visible, input:focus-visible { outline: 2px solid #00a8fc; outline-offset: 1px; }
  form.row, .row { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
  label { font-size: .85rem; color: var(--muted); display: inline-flex; gap: 6px; align-items: center; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; font-size: .85rem; }
  dt { color: var(--muted); } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
  #log { font-family: ui-monospace, monospace; font-size: .8rem; white-space: pre-wrap; max-height: 180px; overflow: auto; color: var(--muted); margin: 0; }
  #toast { position: fixed; bottom: 16px; right: 16px; max-width: 420px; padding: 10px 14px; border-radius: 8px; background: var(--red); color: white; display: none; }
  details summary { cursor: pointer; color: var(--muted); }
  code { font-family: ui-monospace, monospace; background: #1e1f22; padding: 1px 4px; border-radius: 4px; }
</style></head>
<body>
<header>
  <h1>Discord emulator</h1>
  <div class="stats" aria-live="polite">
    <span id="guild-name">…</span>
    <span>Gateway: <strong id="gw-connections">0</strong> connection(s), <strong id="gw-sessions">0</strong> session(s)</span>
    <span>429s sent: <strong id="ratelimits">0</strong></span>
  </div>
  <label><input type="checkbox" id="auto" checked> auto-refresh</label>
</header>
<main>
  <div>
    <section aria-labelledby="voice-h">
      <h2 id="voice-h">Voice channels</h2>
      <div class="channels" id="channels"><p class="empty">Loading…</p></div>
    </section>
    <section aria-labelledby="guilds-h">
      <h2 id="guilds-h">Guilds</h2>
      <div id="guilds"></div>
    </section>
    <section aria-labelledby="join-h">
      <h2 id="join-h">Put a user in a voice channel</h2>
      <form class="row" id="join-form">
        <label>User <select id="join-user" required></select></label>
        <label>Channel <select id="join-channel" required></select></label>
        <label><input type="checkbox" id="join-force"> force (ignore hidden/full)</label>
        <button class="primary" type="submit">Join / move</button>
      </form>
    </section>
  </div>
  <div>
    <section aria-labelledby="faults-h">
      <h2 id="faults-h">Gateway faults</h2>
      <div class="row">
        <button data-fault="gateway.drop">Drop connection</button>
        <button data-fault="gateway.zombie">Stop acking heartbeats</button>
        <button data-fault="gateway.reconnect">Send RECONNECT</button>
        <button data-fault="gateway.invalidSession">Send INVALID_SESSION</button>
        <label><input type="checkbox" id="resumable"> resumable</label>
        <button data-fault="gateway.forgetSessions">Forget sessions</button>
      </div>
      <form class="row" id="outage-form" style="margin-top:8px">
        <label>Outage (ms) <input id="outage-ms" type="number" value="30000" min="0" max="86400000" style="width:7em"></label>
        <button type="submit">Keep the bot off the Gateway</button>
        <span class="empty" id="outage-left"></span>
      </form>
    </section>
    <section aria-labelledby="limits-h">
      <h2 id="limits-h">Discord limits</h2>
      <p class="empty" id="limits-status"></p>
      <form class="row" id="identify-form">
        <label>Identify budget: remaining <input id="ssl-remaining" type="number" value="0" min="0" style="width:6em"></label>
        <label>reset after (ms) <input id="ssl-reset" type="number" min="0" style="width:8em" placeholder="unchanged"></label>
        <button type="submit">Set session_start_limit</button>
      </form>
    </section>
    <section aria-labelledby="rest-h">
      <h2 id="rest-h">REST faults</h2>
      <form class="row" id="rest-form">
        <label>Method <select id="rest-method"><option value="">any</option><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option></select></label>
        <label>Route <input id="rest-route" value="/guilds/:id/channels" size="22" required></label>
        <label>Status <input id="rest-status" type="number" value="500" min="200" max="599" style="width:5em"></label>
        <label>Count <input id="rest-count" type="number" value="1" min="1" style="width:4em"></label>
        <button type="submit">Fail next requests</button>
      </form>
      <form class="row" id="latency-form" style="margin-top:8px">
        <label>Latency (ms) <input id="latency" type="number" value="0" min="0" max="60000" style="width:6em"></label>
        <button type="submit">Set latency</button>
        <button type="button" id="clear-faults">Clear REST faults</button>
      </form>
      <p class="empty" id="rest-faults"></p>
    </section>
    <section aria-labelledby="creds-h">
      <h2 id="creds-h">Credentials</h2>
      <dl id="creds"></dl>
      <div class="row" style="margin-top:12px"><button class="danger" id="reset">Reset to seed</button></div>
    </section>
    <section aria-labelledby="log-h">
      <h2 id="log-h">Control API calls</h2>
      <pre id="log" aria-live="polite"></pre>
      <details><summary>How this works</summary>
        <p>Every button is a call to the control API, e.g.
        <code>POST /_emulator/voice {"userId":"alice","channelId":"…"}</code>,
        <code>POST /_emulator/faults {"kind":"gateway.drop"}</code>, <code>GET /_emulator/state</code>.
        See <code>specs/discord-emulator.md</code>.</p>
      </details>
    </section>
  </div>
</main>
<div id="toast" role="alert"></div>
<script>
const $ = (id) => document.getElementById(id);
let last = null;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const c of children) node.append(c);
  return node;
}

function toast(message) {
  const t = $('toast');
  t.textContent = message;
  t.style.display = 'block';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.style.display = 'none'; }, 5000);
}

async function call(method, path, body) {
  const line = method + ' /_emulator/' + path + (body ? ' ' + JSON.stringify(body) : '');
  const res = await fetch('/_emulator/' + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const data = await res.json().catch(() => ({}));
  $('log').textContent = (line + ' → ' + res.status + '\\n' + $('log').textContent).slice(0, 4000);
  if (!res.ok) toast(data.error || ('HTTP ' + res.status));
  else refresh();
  return data;
}

function avatar(user) {
  return user.avatar ? '/avatars/' + user.id + '/' + user.avatar + '.png' : '/embed/avatars/0.png';
}

function isHidden(channel, guildId) {
  const ow = (channel.permission_overwrites || []).find((o) => o.id === guildId);
  return !!ow && (BigInt(ow.deny) & (1024n | 1048576n)) !== 0n;
}

function render(s) {
  $('guild-name').textContent = s.guilds.length > 1 ? s.guilds.length + ' guilds' : s.guilds[0].name;
  $('gw-connections').textContent = s.gateway.connections;
  $('gw-sessions').textContent = s.gateway.sessions.length;
  $('ratelimits').textContent = s.rateLimitHits.length;
  const ssl = s.gateway.sessionStartLimit;
  const inv = s.invalidRequests;
  $('limits-status').textContent = 'session_start_limit: ' + ssl.remaining + ' of ' + ssl.total + ' left, resets in ' +
    Math.round(ssl.reset_after / 1000) + ' s. Invalid requests (401/403/429) of the bot: ' + inv.count + ' of ' + inv.limit +
    (inv.banned ? ' — BANNED for ' + Math.round(inv.resetAfterMs / 1000) + ' s' : '') + '.';
  $('outage-left').textContent = s.gateway.outageRemainingMs > 0 ? 'Gateway down for ' + Math.ceil(s.gateway.outageRemainingMs / 1000) + ' s more' : '';
  const many = s.guilds.length > 1;
  const voice = s.guilds.flatMap((g) => g.channels.filter((c) => c.type === 2 || c.type === 13).sort((a, b) => a.position - b.position).map((c) => ({ ...c, guild: g })));
  const byChannel = new Map(voice.map((c) => [c.id, []]));
  for (const g of s.guilds) for (const vs of g.voiceStates) byChannel.get(vs.channel_id)?.push(vs);

  const list = $('channels');
  list.replaceChildren();
  if (voice.length === 0) list.append(el('p', { className: 'empty', textContent: 'No voice channels.' }));
  for (const ch of voice) {
    const title = el('h3', {}, el('span', { textContent: (many ? ch.guild.name + ' · ' : '') + ch.name }));
    if (isHidden(ch, ch.guild.id)) title.append(el('span', { className: 'badge hidden', textContent: 'hidden' }));
    if (ch.user_limit) title.append(el('span', { className: 'badge', textContent: byChannel.get(ch.id).length + '/' + ch.user_limit }));
    const card = el('div', { className: 'channel' }, title);
    const people = byChannel.get(ch.id);
    if (people.length === 0) card.append(el('p', { className: 'empty', textContent: 'Nobody here.' }));
    for (const vs of people) {
      const u = vs.member.user;
      const flags = [vs.mute && 'server-muted', vs.deaf && 'server-deafened', vs.self_mute && 'muted', vs.self_deaf && 'deafened', vs.self_stream && 'streaming'].filter(Boolean).join(', ');
      const row = el('div', { className: 'occupant' },
        el('img', { src: avatar(u), alt: '' }),
        el('span', { className: 'name', textContent: u.global_name || u.username }),
        el('span', { className: 'flags', textContent: flags }),
      );
      const action = (label, body) => el('button', { className: 'small', textContent: label, onclick: () => call('POST', 'voice', { userId: u.id, ...body }) });
      row.append(
        action(vs.self_mute ? 'Unmute' : 'Mute', { selfMute: !vs.self_mute }),
        action(vs.self_deaf ? 'Undeafen' : 'Deafen', { selfDeaf: !vs.self_deaf }),
        action(vs.mute ? 'Server unmute' : 'Server mute', { mute: !vs.mute }),
        action('Leave', { channelId: null }),
      );
      card.append(row);
    }
    list.append(card);
  }

  const testUsers = new Set(s.testUsers);
  const pickable = [...s.users.filter((u) => testUsers.has(u.username)), ...s.users.filter((u) => !testUsers.has(u.username)).slice(0, 50)];
  fillSelect($('join-user'), pickable.map((u) => [u.username, (u.global_name || u.username) + ' (' + u.username + ')']));
  fillSelect($('join-channel'), voice.map((c) => [c.id, (many ? c.guild.name + ' · ' : '') + c.name]));

  const guilds = $('guilds');
  guilds.replaceChildren();
  for (const g of s.guilds) {
    const row = el('div', { className: 'row' }, el('span', { textContent: g.name }), el('code', { textContent: g.id }));
    if (!g.botMember) row.append(el('span', { className: 'badge hidden', textContent: 'bot removed' }));
    if (!g.available) row.append(el('span', { className: 'badge hidden', textContent: 'unavailable' }));
    row.append(
      el('button', { className: 'small', textContent: g.botMember ? 'Remove bot' : 'Add bot', onclick: () => call('POST', 'bot-membership', { guildId: g.id, member: !g.botMember }) }),
      el('button', { className: 'small', textContent: g.available ? 'Outage' : 'End outage', onclick: () => call('POST', 'guild-availability', { guildId: g.id, available: !g.available }) }),
    );
    guilds.append(row);
  }

  const creds = $('creds');
  creds.replaceChildren();
  for (const [k, v] of [['Guild id', s.guildId], ['Bot token', s.botToken], ['Client id', s.clientId], ['Client secret', s.clientSecret], ['Latency', s.latencyMs + ' ms']]) {
    creds.append(el('dt', { textContent: k }), el('dd', { textContent: v }));
  }
  $('rest-faults').textContent = s.faults.length
    ? 'Armed: ' + s.faults.map((f) => (f.method || '*') + ' ' + f.route + ' → ' + (f.kind === 'rest.hang' ? 'hang' : f.status) + ' ×' + f.remaining).join('; ')
    : 'No REST faults armed.';
}

function fillSelect(select, options) {
  const key = JSON.stringify(options);
  if (select.dataset.key === key) return;
  const keep = select.value;
  select.replaceChildren(...options.map(([value, label]) => el('option', { value, textContent: label })));
  if (options.some(([v]) => v === keep)) select.value = keep;
  select.dataset.key = key;
}

async function refresh() {
  try {
    const res = await fetch('/_emulator/state');
    last = await res.json();
    render(last);
  } catch (e) {
    toast('Cannot reach the emulator: ' + e.message);
  }
}

$('join-form').addEventListener('submit', (e) => {
  e.preventDefault();
  call('POST', 'voice', { userId: $('join-user').value, channelId: $('join-channel').value, force: $('join-force').checked || undefined });
});
for (const b of document.querySelectorAll('[data-fault]')) {
  b.addEventListener('click', () => {
    const kind = b.dataset.fault;
    const body = kind === 'gateway.invalidSession' ? { kind, resumable: $('resumable').checked } : { kind };
    call('POST', 'faults', body);
  });
}
$('rest-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const body = { kind: 'rest.status', route: $('rest-route').value, status: Number($('rest-status').value), count: Number($('rest-count').value) };
  if ($('rest-method').value) body.method = $('rest-method').value;
  call('POST', 'faults', body);
});
$('latency-form').addEventListener('submit', (e) => {
  e.preventDefault();
  call('POST', 'faults', { kind: 'latency', ms: Number($('latency').value) });
});
$('clear-faults').addEventListener('click', () => call('DELETE', 'faults'));
$('outage-form').addEventListener('submit', (e) => {
  e.preventDefault();
  call('POST', 'faults/gateway-outage', { durationMs: Number($('outage-ms').value) });
});
$('identify-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const body = { remaining: Number($('ssl-remaining').value) };
  if ($('ssl-reset').value !== '') body.resetAfterMs = Number($('ssl-reset').value);
  call('POST', 'session-start-limit', body);
});
$('reset').addEventListener('click', () => { if (confirm('Reset the emulator to its seed? Rooms and sessions are lost.')) call('POST', 'reset'); });

refresh();
setInterval(() => { if ($('auto').checked && document.visibilityState === 'visible') refresh(); }, 1500);
</script>
</body></html>`;
}
