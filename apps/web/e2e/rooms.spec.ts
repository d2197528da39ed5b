import { type BrowserContext, type Page, expect } from '@playwright/test';
import {
  connection,
  continueAs,
  emulator,
  expectAccessible,
  loungeChannelId,
  openInvite,
  percentile,
  players,
  seat,
  sameOrigin,
  setVoice,
  signedInPage,
  test,
  watchFor,
} from './support.ts';
import { roomInDiscord } from './discord-state.ts';

/**
 * A game night, end to end, in real browsers against the production build and the Discord
 * emulator: sign-in through the authorize page, invites, live voice presence, a full room,
 * a spectator, the rejoin dialog, and closing.
 */

interface RoomApi {
  room: { id: string; channelId: string; guildId: string };
}

async function roomFromApi(page: Page, roomId: string): Promise<RoomApi> {
  const response = await page.request.get(`/api/rooms/${roomId}`);
  expect(response.status()).toBe(200);
  return (await response.json()) as RoomApi;
}

function roomIdOf(page: Page): string {
  const match = /\/rooms\/([a-z0-9]+)$/.exec(new URL(page.url()).pathname);
  if (!match) throw new Error(`not on a room page: ${page.url()}`);
  return match[1]!;
}

test('a game night: invite, live voice presence, a full room, a spectator, rejoin, close', async ({ browser }) => {
  test.setTimeout(180_000);
  const contexts: BrowserContext[] = [];
  try {
    // --- alice signs in and creates a room (a double click makes one room) -------------------------
    const alice = await signedInPage(browser, 'alice');
    contexts.push(alice.context);
    const a = alice.page;
    await a.getByLabel('Room name').fill('Friday Night <b>Magic</b> 🃏');
    await a.getByRole('button', { name: 'Create room' }).dblclick();
    await expect(a).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    const roomId = roomIdOf(a);
    // Names are text, never markup.
    await expect(a.getByRole('heading', { level: 1 })).toHaveText('Friday Night <b>Magic</b> 🃏');
    const mine = (await (await a.request.get('/api/rooms')).json()) as { rooms: Array<{ name: string }> };
    expect(mine.rooms.filter((r) => r.name === 'Friday Night <b>Magic</b> 🃏')).toHaveLength(1);

    await expect(connection(a)).toHaveText('Live');
    await expect(players(a).getByRole('listitem')).toHaveCount(4); // four reserved seats
    await expect(seat(a, 'Alice')).toContainText('Host');
    await expect(seat(a, 'Alice')).toContainText('Not connected to voice');
    await expectAccessible(a, 'the room page as host');

    // --- the invite link: shown as text and copyable -----------------------------------------------
    const inviteUrl = await a.getByRole('textbox', { name: 'Invite link' }).inputValue();
    const spectatorUrl = await a.getByRole('textbox', { name: 'Spectator link' }).inputValue();
    expect(inviteUrl).toMatch(/\/invite\/[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(spectatorUrl).not.toBe(inviteUrl);
    await a.getByRole('button', { name: 'Copy invite link' }).click();
    await expect(a.getByText(/^(Copied|Selected: press Ctrl\+C to copy)$/)).toBeVisible();

    // --- bob opens it, signs in on the way, lands in the room ----------------------------------------
    const bob = await openInvite(browser, 'bob', inviteUrl);
    contexts.push(bob.context);
    const b = bob.page;
    await expect(b).toHaveURL(new RegExp(`/rooms/${roomId}$`));
    await expect(b.getByRole('heading', { level: 1 })).toHaveText('Friday Night <b>Magic</b> 🃏');
    await expect(connection(b)).toHaveText('Live');
    await expect(seat(a, 'Bob')).toBeVisible(); // alice sees bob join, live
    await expectAccessible(b, 'the room page as player');

    // bob is not in voice anywhere: "Join voice" offers the channel in Discord.
    await b.getByRole('button', { name: 'Join voice' }).click();
    const openInDiscord = b.getByRole('link', { name: 'Open in Discord' });
    await expect(openInDiscord).toBeVisible();
    const { room } = await roomFromApi(a, roomId);
    await expect(openInDiscord).toHaveAttribute('href', `https://discord.com/channels/${room.guildId}/${room.channelId}`);

    // --- the emulator puts bob in the room's voice channel: alice sees it -----------------------------
    const joinedSeen = await watchFor(a, `[aria-label="Players"] li[data-username="bob"][data-in-voice="true"]`);
    const joinedAt = Date.now();
    await setVoice('bob', { channelId: room.channelId });
    const joinLatency = (await joinedSeen()) - joinedAt;
    await expect(seat(a, 'Bob')).toContainText('In voice');
    await expect(b.getByTestId('my-voice')).toBeVisible();

    // bob mutes → alice sees it. Then a few more toggles to measure delivery (emulator → DOM).
    await setVoice('bob', { selfMute: true });
    await expect(seat(a, 'Bob')).toContainText('Muted');
    const latencies: number[] = [joinLatency];
    for (let i = 0; i < 20; i++) {
      const muted = i % 2 === 1;
      const seen = await watchFor(a, `[aria-label="Players"] li[data-username="bob"][data-muted="${muted}"]`);
      const at = Date.now();
      await setVoice('bob', { selfMute: muted });
      latencies.push((await seen()) - at);
    }
    await expect(seat(a, 'Bob')).toContainText('Muted');
    await setVoice('bob', { selfMute: false, selfDeaf: true });
    await expect(seat(a, 'Bob')).toContainText('Deafened');
    console.log(
      `[e2e] Discord (emulator) → browser DOM delivery latency over ${latencies.length} voice changes: ` +
        `p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms`,
    );
    console.log(`E2E_DELIVERY_LATENCY_P50_MS=${percentile(latencies, 50)}`);
    console.log(`E2E_DELIVERY_LATENCY_P95_MS=${percentile(latencies, 95)}`);

    // --- bob drops out of voice → his page offers Rejoin or Leave game ---------------------------------
    await setVoice('bob', { channelId: null });
    const dialog = b.getByRole('dialog', { name: 'You left the voice channel' });
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole('button', { name: 'Leave game' })).toBeVisible();
    await expectAccessible(b, 'the voice-dropout dialog');
    await expect(seat(a, 'Bob')).toContainText('Not connected to voice');
    // Rejoin: bob is not in voice in Discord at all, so the dialog offers the Discord link.
    await dialog.getByRole('button', { name: 'Rejoin' }).click();
    await expect(dialog.getByRole('link', { name: 'Open in Discord' })).toBeVisible();
    await expectAccessible(b, 'the voice-dropout dialog offering Discord');
    // He joins from Discord: the dialog goes away by itself.
    await setVoice('bob', { channelId: room.channelId });
    await expect(dialog).toBeHidden();
    await expect(seat(a, 'Bob')).toContainText('In voice');

    // --- someone joins the channel from Discord without ever signing in to the site -------------------
    // grace has no role for the channel (force: a moderator could drag her in) and never joined the room.
    await setVoice('grace', { channelId: room.channelId, force: true });
    const outsiders = a.getByRole('list', { name: 'Also in voice' });
    await expect(outsiders.getByRole('listitem')).toHaveCount(1);
    await expect(outsiders).toContainText('in Discord only');
    await expect(players(a).getByRole('listitem')).toHaveCount(4); // still four seats, nothing moved
    await expectAccessible(a, 'the room page with someone in Discord only');

    // --- carol joins and uses "Join voice" from another channel: she is moved ---------------------------
    const carol = await openInvite(browser, 'carol', inviteUrl);
    contexts.push(carol.context);
    const c = carol.page;
    await expect(c).toHaveURL(new RegExp(`/rooms/${roomId}$`));
    await setVoice('carol', { channelId: await loungeChannelId() });
    await c.getByRole('button', { name: 'Join voice' }).click();
    await expect(c.getByText('You were moved into the room’s voice channel.').or(c.getByTestId('my-voice'))).toBeVisible();
    await expect(seat(a, 'Carol')).toContainText('In voice');

    // --- dave takes the last seat; erin gets "Room full" --------------------------------------------------
    const dave = await openInvite(browser, 'dave', inviteUrl);
    contexts.push(dave.context);
    await expect(dave.page).toHaveURL(new RegExp(`/rooms/${roomId}$`));
    await expect(a.getByText('Room full')).toBeVisible();
    await expect(a.getByRole('heading', { name: /Players\s+4 of 4/ })).toBeVisible();

    const erin = await openInvite(browser, 'erin', inviteUrl);
    contexts.push(erin.context);
    await expect(erin.page.getByRole('heading', { level: 1, name: 'Room full' })).toBeVisible();
    expect(erin.page.url()).toContain('/invite/');
    await expectAccessible(erin.page, 'the invite page: room full');
    // erin has signed in to the site but has no seat: dragged into voice, she is "not a player",
    // while grace, who never signed in, stays "in Discord only".
    await setVoice('erin', { channelId: room.channelId, force: true });
    await expect(outsiders.getByRole('listitem')).toHaveCount(2);
    await expect(outsiders.getByRole('listitem').filter({ hasText: 'Erin' })).toContainText('not a player');
    await expect(outsiders.getByRole('listitem').filter({ hasText: 'Grace' })).toContainText('in Discord only');
    await setVoice('erin', { channelId: null });

    // --- frank watches with the spectator link, without joining voice -----------------------------------
    const frank = await openInvite(browser, 'frank', spectatorUrl);
    contexts.push(frank.context);
    const f = frank.page;
    await expect(f).toHaveURL(new RegExp(`/rooms/${roomId}$`));
    await expect(f.getByText('You are watching')).toBeVisible();
    await expect(f.getByRole('button', { name: 'Join voice' })).toHaveCount(0);
    await expect(a.getByRole('list', { name: 'Watching' })).toContainText('Frank');
    await expect(seat(f, 'Bob')).toContainText('In voice'); // the spectator sees the table live
    await expectAccessible(f, 'the room page as spectator');

    // --- alice closes the room: everyone is sent to the lobby ----------------------------------------------
    await a.getByRole('button', { name: 'Close room' }).click();
    const confirm = a.getByRole('dialog', { name: 'Close this room?' });
    await expect(confirm).toBeVisible();
    await expectAccessible(a, 'the close-room dialog');
    await confirm.getByRole('button', { name: 'Close room' }).click();
    for (const page of [a, b, f]) {
      await expect(page).toHaveURL(/\/\?closed=closed/);
      await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
      await expect(page.getByRole('status').filter({ hasText: 'was closed by its host' })).toBeVisible();
    }
    await expectAccessible(a, 'the lobby after a room closed');

    // The old invite now says the room is closed.
    await erin.page.goto(inviteUrl);
    await expect(erin.page.getByRole('heading', { level: 1, name: 'This room has been closed' })).toBeVisible();
    await expectAccessible(erin.page, 'the invite page: room closed');
  } finally {
    for (const context of contexts) await context.close();
  }
});

test('a dropped connection shows "Reconnecting…", then converges to changes made meanwhile', async ({ browser }) => {
  test.setTimeout(90_000);
  const { context, page } = await signedInPage(browser, 'dave');
  try {
    // Every WebSocket of this page goes through here, so the test can cut it and refuse new ones.
    let refuse = false;
    const sockets: Array<{ close(): Promise<void> }> = [];
    await page.routeWebSocket(/\/api\/ws$/, (ws) => {
      if (refuse) {
        void ws.close({ code: 1011, reason: 'test: network down' });
        return;
      }
      ws.connectToServer();
      sockets.push(ws);
    });
    await page.reload(); // the page's socket now goes through the route

    await page.getByLabel('Room name').fill('Reconnect drill');
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    await expect(connection(page)).toHaveText('Live');
    const { room } = await roomFromApi(page, roomIdOf(page));

    // Cut the socket; while it is down, dave joins voice in Discord.
    refuse = true;
    for (const ws of sockets.splice(0)) await ws.close();
    await expect(connection(page)).toHaveText('Reconnecting…');
    await setVoice('dave', { channelId: room.channelId, selfMute: true });
    await page.waitForTimeout(1_500);
    await expect(seat(page, 'Dave')).toContainText('Not connected to voice'); // nothing arrives meanwhile

    refuse = false;
    await expect(connection(page)).toHaveText('Live', { timeout: 20_000 });
    await expect(seat(page, 'Dave')).toContainText('In voice');
    await expect(seat(page, 'Dave')).toContainText('Muted');

    // The browser going offline: the page says so, and catches up when the network is back.
    await context.setOffline(true);
    await expect(connection(page)).toHaveText('Offline');
    await expect(page.getByRole('button', { name: 'Retry' })).toBeVisible();
    await setVoice('dave', { channelId: null });
    await context.setOffline(false);
    await expect(connection(page)).toHaveText('Live', { timeout: 20_000 });
    await expect(seat(page, 'Dave')).toContainText('Not connected to voice');
    // He was in voice and is not any more (learned from the resync): the rejoin dialog. "Leave game"
    // leaves for real, asked as "Leave room" asks: he hosts alone, so leaving closes the room.
    const dialog = page.getByRole('dialog', { name: 'You left the voice channel' });
    await dialog.getByRole('button', { name: 'Leave game' }).click();
    const leave = page.getByRole('dialog', { name: 'Leave this room?' });
    await expect(leave.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await expect(leave).toContainText('You are the only player, so the room closes');
    await leave.getByRole('button', { name: 'Leave and close room' }).click();
    await expect(page).toHaveURL(/\/\?closed=closed/);
    await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();
    await expect.poll(async () => (await roomInDiscord(room)).channelName).toBeUndefined(); // its Discord channel is gone
  } finally {
    await context.close();
  }
});

test('create room: the API’s validation errors show under the field', async ({ browser }) => {
  const { context, page } = await signedInPage(browser, 'erin');
  try {
    await page.getByRole('button', { name: 'Create room' }).click();
    const field = page.getByLabel('Room name');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByText('Give the room a name.')).toBeVisible();
    await field.fill('x'.repeat(101));
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page.getByText('Room names are at most 100 characters.')).toBeVisible();
    await expect(page).toHaveURL(/\/$/);
  } finally {
    await context.close();
  }
});

test('room and invite pages: sign in and come back; clear pages for not allowed, unknown, invalid', async ({ browser }) => {
  const { context: hostContext, page: host } = await signedInPage(browser, 'frank');
  const context = await browser.newContext();
  try {
    await host.getByLabel('Room name').fill('Private table');
    await host.getByRole('button', { name: 'Create room' }).click();
    await expect(host).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    const roomPath = new URL(host.url()).pathname;

    // Not signed in: the room page goes to sign-in and comes back to the same page…
    const page = await context.newPage();
    await page.goto(roomPath);
    await continueAs(page, 'grace');
    await expect(page).toHaveURL(new RegExp(`${roomPath}$`));
    // …where grace, who has no invite, is told so.
    await expect(page.getByRole('heading', { name: 'You are not in this room' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Back to the lobby' })).toBeVisible();
    await expectAccessible(page, 'the room page for someone not in it');

    const unknown = await page.goto('/rooms/zzzzzzzzzz');
    expect(unknown?.status()).toBe(404);
    await expect(page.getByRole('heading', { name: 'There is no such room' })).toBeVisible();
    await expectAccessible(page, 'the unknown-room page');

    await page.goto('/invite/not-a-real-token');
    await expect(page.getByRole('heading', { level: 1, name: 'This invite link is not valid' })).toBeVisible();
    await expectAccessible(page, 'the invite page: invalid link');
    await page.getByRole('link', { name: 'Back to the lobby' }).click();
    await expect(page.getByRole('heading', { name: 'Lobby' })).toBeVisible();

    // Not signed in, a broken invite says so at once; a good one shows the room and changes nothing…
    const fresh = await browser.newContext();
    const p2 = await fresh.newPage();
    await p2.goto('/invite/not-a-real-token');
    await expect(p2.getByRole('heading', { level: 1, name: 'This invite link is not valid' })).toBeVisible();
    const inviteUrl = await host.getByRole('textbox', { name: 'Invite link' }).inputValue();
    await p2.goto(inviteUrl);
    await expect(p2.getByRole('heading', { level: 1, name: 'Private table' })).toBeVisible();
    await expect(p2.getByText('1 of 4 seats taken')).toBeVisible();
    await expectAccessible(p2, 'the invite page, signed out');
    // …signing in comes back to the invite, still waiting for the click…
    await p2.getByRole('link', { name: 'Sign in with Discord to join' }).click();
    await continueAs(p2, 'heidi');
    await expect(p2).toHaveURL(inviteUrl);
    await expect(p2.getByLabel('Signed in as Heidi')).toBeVisible();
    await expect(seat(host, 'Heidi')).toHaveCount(0);
    await expectAccessible(p2, 'the invite page, signed in');
    // …and the click joins.
    await p2.getByRole('button', { name: 'Join room' }).click();
    await expect(p2).toHaveURL(new RegExp(`${roomPath}$`));
    await expect(seat(host, 'Heidi')).toBeVisible();
    await fresh.close();

    await host.getByRole('button', { name: 'Close room' }).click();
    await host.getByRole('dialog', { name: 'Close this room?' }).getByRole('button', { name: 'Close room' }).click();
    await expect(host).toHaveURL(/\/\?closed=closed/);
  } finally {
    await context.close();
    await hostContext.close();
  }
});

test('while the server’s Discord connection is down every page says so; when it is back, rooms resync', async ({ browser }) => {
  test.setTimeout(90_000);
  const { context, page } = await signedInPage(browser, 'heidi');
  try {
    // Count the room page's subscribe frames (a resync is a fresh subscribe).
    const subscribes: string[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.includes('"type":"subscribe"')) subscribes.push(frame.payload);
      }),
    );
    await page.reload();
    await page.getByLabel('Room name').fill('Gateway drill');
    await page.getByRole('button', { name: 'Create room' }).click();
    await expect(page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    const roomId = roomIdOf(page);
    await expect(connection(page)).toHaveText('Live');
    await expect.poll(() => subscribes.filter((f) => f.includes(roomId)).length).toBe(1);
    const lobby = await context.newPage();
    await lobby.goto('/');
    await expect(connection(lobby)).toHaveText('Live');

    // The outage may be short (the Gateway client resumes within a second or two): record the banner whenever it shows.
    const banner = 'Live updates from Discord are delayed';
    for (const p of [page, lobby]) {
      await p.evaluate((text) => {
        const w = window as unknown as { __bannerSeen?: boolean };
        w.__bannerSeen = false;
        new MutationObserver(() => {
          if (document.querySelector('[role="alert"]')?.textContent?.includes(text)) w.__bannerSeen = true;
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      }, banner);
    }

    await emulator('/faults', { kind: 'gateway.drop' });
    for (const p of [page, lobby]) {
      await expect.poll(() => p.evaluate(() => (window as unknown as { __bannerSeen?: boolean }).__bannerSeen), { timeout: 15_000 }).toBe(true);
    }
    // Back: the banner goes by itself, and the room page asked for a fresh snapshot.
    for (const p of [page, lobby]) await expect(p.getByText(banner)).toBeHidden({ timeout: 30_000 });
    await expect.poll(() => subscribes.filter((f) => f.includes(roomId)).length).toBeGreaterThanOrEqual(2);
    const { room } = await roomFromApi(page, roomId);
    await setVoice('heidi', { channelId: room.channelId });
    await expect(seat(page, 'Heidi')).toContainText('In voice');

    await page.getByRole('button', { name: 'Close room' }).click();
    await page.getByRole('dialog', { name: 'Close this room?' }).getByRole('button', { name: 'Close room' }).click();
    await expect(page).toHaveURL(/\/\?closed=closed/);
  } finally {
    await context.close();
  }
});

test('the 17th person, with either link, sees the viewer-limit page, not "Room full"', async ({ browser }) => {
  test.setTimeout(180_000);
  const contexts: BrowserContext[] = [];
  try {
    const host = await signedInPage(browser, 'grace');
    contexts.push(host.context);
    await host.page.getByLabel('Room name').fill('Packed house');
    await host.page.getByRole('button', { name: 'Create room' }).click();
    await expect(host.page).toHaveURL(/\/rooms\/[a-z0-9]+$/);
    const inviteUrl = await host.page.getByRole('textbox', { name: 'Invite link' }).inputValue();
    const spectatorUrl = await host.page.getByRole('textbox', { name: 'Spectator link' }).inputValue();
    const token = (url: string) => url.split('/invite/')[1]!;

    // 15 spectators and the host: 16 people, the viewer limit. Each is a new emulator user who signs in.
    const run = Date.now().toString(36);
    const newUser = async (n: number) => {
      const username = `w${run}x${n}`;
      await emulator('/users', { username, globalName: `W${run}x${n}` });
      return username;
    };
    for (let n = 1; n <= 15; n++) {
      const viewer = await signedInPage(browser, await newUser(n));
      const joined = await viewer.page.request.post('/api/invites/redeem', { data: { token: token(spectatorUrl) }, ...sameOrigin(viewer.page) });
      expect(joined.status()).toBe(200);
      await viewer.context.close();
    }

    const seventeenth = await openInvite(browser, await newUser(16), spectatorUrl);
    contexts.push(seventeenth.context);
    await expect(seventeenth.page.getByRole('heading', { level: 1, name: 'This room cannot take anyone else' })).toBeVisible();
    await expect(seventeenth.page.getByText('16 of 16 players and spectators')).toBeVisible();
    await expect(seventeenth.page.getByText(/spectator link/i)).toHaveCount(0);
    await expectAccessible(seventeenth.page, 'the invite page: viewer limit');

    // A player link, with three seats free, meets the same limit and says so.
    const player = await openInvite(browser, await newUser(17), inviteUrl);
    contexts.push(player.context);
    await expect(player.page.getByRole('heading', { level: 1, name: 'This room cannot take anyone else' })).toBeVisible();
    await expect(player.page.getByText(/players are in/)).toHaveCount(0);

    await host.page.getByRole('button', { name: 'Close room' }).click();
    await host.page.getByRole('dialog', { name: 'Close this room?' }).getByRole('button', { name: 'Close room' }).click();
    await expect(host.page).toHaveURL(/\/\?closed=closed/);
  } finally {
    for (const context of contexts) await context.close();
  }
});
