import { startEmulator, type EmulatorHandle, type EmulatorOptions, type FaultCommand, type StateSnapshot } from '@repo/discord-emulator';
import { DiscordGatewayClient, type DiscordGatewayClientOptions } from '../discord-gateway-client.ts';
import type { GatewayDomainEvent, GatewayStateChange, VoiceFlags } from '../events.ts';
import { GatewayState } from '../gateway-state.ts';
import { recordingLogger } from '@repo/platform/testing';
import { waitFor } from './wait-for.ts';

export interface VoiceCommand {
  /** User id or username. */
  userId: string;
  channelId?: string | null;
  selfMute?: boolean;
  selfDeaf?: boolean;
  mute?: boolean;
  deaf?: boolean;
  selfStream?: boolean;
  selfVideo?: boolean;
}

/** user id → where the emulator (the truth) says the user is. */
export type VoiceTruth = Map<string, { channelId: string; flags: VoiceFlags }>;

/**
 * The emulator in-process on port 0, driven only through its HTTP surfaces (control API and REST),
 * plus a client under test whose domain events are recorded.
 */
export class Testbed {
  /** Voice, channel and member events (the guild.* events go to `guildEvents`). */
  readonly events: GatewayDomainEvent[] = [];
  readonly guildEvents: GatewayDomainEvent[] = [];
  readonly states: Array<GatewayStateChange & { realAt: number }> = [];
  readonly logger = recordingLogger();
  client!: DiscordGatewayClient;

  private constructor(readonly emulator: EmulatorHandle) {}

  static async start(options: Omit<EmulatorOptions, 'port'> = {}): Promise<Testbed> {
    const emulator = await startEmulator({
      ...options,
      port: 0,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 300,
      resumeWindowMs: options.resumeWindowMs ?? 30_000,
    });
    return new Testbed(emulator);
  }

  get guildId(): string {
    return this.emulator.guildId;
  }

  userId(name: string): string {
    const user = this.emulator.users[name];
    if (!user) throw new Error(`no seeded user ${name}`);
    return user.id;
  }

  /** Creates the client (not started) with the emulator's coordinates and records its events. */
  createClient(overrides: Partial<DiscordGatewayClientOptions> = {}): DiscordGatewayClient {
    this.client = new DiscordGatewayClient({
      token: this.emulator.botToken,
      guildIds: [this.emulator.guildId],
      restBaseUrl: this.emulator.apiUrl,
      logger: this.logger,
      ...overrides,
    });
    this.client.on('*', (e) => (e.type.startsWith('guild.') ? this.guildEvents : this.events).push(e));
    this.client.on('gateway.state', (e) => this.states.push({ ...e, realAt: Date.now() }));
    return this.client;
  }

  /** Starts a client and waits until its cache holds the guild. */
  async connect(overrides: Partial<DiscordGatewayClientOptions> = {}): Promise<DiscordGatewayClient> {
    const client = this.createClient(overrides);
    await client.start();
    await waitFor(() => client.cache.isReady(this.guildId), 'the GUILD_CREATE snapshot');
    return client;
  }

  async voice(cmd: VoiceCommand): Promise<void> {
    await this.#json('POST', `${this.emulator.controlUrl}/voice`, { force: true, ...cmd });
  }

  async fault(fault: FaultCommand): Promise<number> {
    const body = (await this.#json('POST', `${this.emulator.controlUrl}/faults`, fault)) as { affected: number };
    return body.affected;
  }

  /** POST to the control API (`path` below `/_emulator/`), failing on a non-2xx answer. */
  async control(path: string, body: unknown): Promise<unknown> {
    return this.#json('POST', `${this.emulator.controlUrl}/${path}`, body);
  }

  /** A REST call as the bot (`path` below `/api/v10`). */
  async rest(method: string, path: string, body?: unknown): Promise<unknown> {
    return this.#json(method, `${this.emulator.apiUrl}/v10${path}`, body, true);
  }

  async snapshot(): Promise<StateSnapshot> {
    return (await this.#json('GET', `${this.emulator.controlUrl}/state`)) as StateSnapshot;
  }

  async truth(): Promise<VoiceTruth> {
    const snap = await this.snapshot();
    const guild = snap.guilds.find((g) => g.id === this.guildId);
    const truth: VoiceTruth = new Map();
    for (const vs of guild?.voiceStates ?? []) {
      if (!vs.channel_id) continue;
      truth.set(vs.user_id, {
        channelId: vs.channel_id,
        flags: {
          selfMute: vs.self_mute,
          selfDeaf: vs.self_deaf,
          mute: vs.mute,
          deaf: vs.deaf,
          selfStream: vs.self_stream ?? false,
          selfVideo: vs.self_video,
          suppress: vs.suppress,
        },
      });
    }
    return truth;
  }

  /** The client's cache in the same shape as truth(). */
  cached(): VoiceTruth {
    const out: VoiceTruth = new Map();
    for (const [userId, vm] of this.client.cache.voiceStates(this.guildId)) {
      const { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } = vm;
      out.set(userId, { channelId: vm.channelId, flags: { selfMute, selfDeaf, mute, deaf, selfStream, selfVideo, suppress } });
    }
    return out;
  }

  /** A voice channel everyone may join, made through REST like the app does. */
  async createVoiceChannel(name: string): Promise<string> {
    const channel = (await this.#json('POST', `${this.emulator.apiUrl}/v10/guilds/${this.guildId}/channels`, { name, type: 2 }, true)) as {
      id: string;
    };
    await waitFor(() => this.client.cache.channel(this.guildId, channel.id) !== null, `CHANNEL_CREATE for ${name}`);
    return channel.id;
  }

  async deleteChannel(channelId: string): Promise<void> {
    await this.#json('DELETE', `${this.emulator.apiUrl}/v10/channels/${channelId}`, undefined, true);
  }

  /**
   * The member leaves the guild. The control API has no route for it and the seeded bot may not
   * kick, so this goes to the in-process emulator state (which emits GUILD_MEMBER_REMOVE).
   */
  removeMember(userId: string): void {
    this.emulator.state.removeMember(this.guildId, userId);
  }

  /** The channel named so in the seeded guild. */
  async channelId(name: string): Promise<string> {
    const snap = await this.snapshot();
    const channel = snap.guilds.find((g) => g.id === this.guildId)?.channels.find((c) => c.name === name);
    if (!channel) throw new Error(`no channel ${name}`);
    return channel.id;
  }

  /** Waits until the client has handled every dispatch the emulator sent its session. */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const snap = await this.snapshot();
      const status = this.client.status();
      const session = snap.gateway.sessions.find((s) => s.sessionId === status.sessionId);
      if (status.state === GatewayState.Connected && session && status.sequence === session.seq) return;
      if (Date.now() > deadline) throw new Error(`client not caught up: ${JSON.stringify({ status, sessions: snap.gateway.sessions })}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async close(): Promise<void> {
    await this.client?.stop();
    await this.emulator.close();
  }

  async #json(method: string, url: string, body?: unknown, asBot = false): Promise<unknown> {
    const res = await fetch(url, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(asBot ? { authorization: `Bot ${this.emulator.botToken}` } : {}),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}
