import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { GatewayServer } from '../gateway/index.ts';
import type { RestFaults } from '../faults.ts';
import { readBody, sendHtml, sendJson } from '../http/respond.ts';
import type { InvalidRequestLimit } from '../rest/invalid-request-limit.ts';
import type { RateLimiter } from '../rest/rate-limiter.ts';
import type { RestApi } from '../rest/rest-api.ts';
import type { EmulatorState } from '../state.ts';
import { controlPanelHtml } from './control-panel.ts';
import {
  botMembershipSchema,
  createUserSchema,
  guildAvailabilitySchema,
  guildMembershipSchema,
  faultSchema,
  gatewayOutageSchema,
  sessionStartLimitSchema,
  voiceCommandSchema,
  type FaultCommand,
} from './control-schemas.ts';
import { applyBotMembership, applyGuildAvailability, applyGuildMembership } from './guild-control.ts';
import { snapshot } from './state-snapshot.ts';
import { ControlError, applyVoiceCommand } from './voice-control.ts';

/**
 * The control API under `/_emulator/`: inspect state, drive simulated users' voice, inject
 * faults, add users, move the bot and users in and out of guilds, guild outages, reset. JSON in and out, zod-validated, errors as `{ error, issues? }`.
 */

export interface ControlDeps {
  state: EmulatorState;
  faults: RestFaults;
  limiter: RateLimiter;
  restApi: RestApi;
  gateway: GatewayServer;
  invalidRequests: InvalidRequestLimit;
}

export async function handleControl(deps: ControlDeps, req: IncomingMessage, res: ServerResponse, subpath: string): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    switch (`${method} ${subpath}`) {
      case 'GET /':
      case 'GET ':
        req.resume();
        sendHtml(res, 200, controlPanelHtml());
        return;
      case 'GET /state':
        req.resume();
        sendJson(res, 200, snapshot(deps.state, deps.faults, deps.gateway, deps.invalidRequests));
        return;
      case 'POST /voice': {
        const cmd = await readJson(req, voiceCommandSchema);
        sendJson(res, 200, { voiceState: applyVoiceCommand(deps.state, cmd) });
        return;
      }
      case 'POST /bot-membership':
        sendJson(res, 200, applyBotMembership(deps.state, await readJson(req, botMembershipSchema)));
        return;
      case 'POST /guild-availability':
        sendJson(res, 200, applyGuildAvailability(deps.state, await readJson(req, guildAvailabilitySchema)));
        return;
      case 'POST /guild-membership':
        sendJson(res, 200, applyGuildMembership(deps.state, await readJson(req, guildMembershipSchema)));
        return;
      case 'GET /faults':
        req.resume();
        sendJson(res, 200, { faults: deps.faults.list(), latencyMs: deps.faults.latencyMs });
        return;
      case 'POST /faults': {
        const fault = await readJson(req, faultSchema);
        sendJson(res, 200, { ok: true, affected: applyFault(deps, fault) });
        return;
      }
      case 'POST /faults/gateway-outage': {
        const { durationMs } = await readJson(req, gatewayOutageSchema);
        sendJson(res, 200, { ok: true, affected: deps.gateway.startOutage(durationMs) });
        return;
      }
      case 'POST /session-start-limit': {
        const update = await readJson(req, sessionStartLimitSchema);
        const total = deps.gateway.sessionStartLimit.total;
        if (update.remaining !== undefined && update.remaining > total) {
          throw new ControlError(400, `invalid request: remaining: must be at most total (${total})`);
        }
        deps.gateway.sessionStartLimit.set(stripUndefined(update));
        sendJson(res, 200, { sessionStartLimit: deps.gateway.sessionStartLimit.snapshot() });
        return;
      }
      case 'DELETE /faults':
        req.resume();
        deps.faults.clear();
        sendJson(res, 200, { ok: true });
        return;
      case 'POST /users': {
        const input = await readJson(req, createUserSchema);
        if (deps.state.findUser(input.username)) throw new ControlError(409, `username "${input.username}" is taken`);
        const user = deps.state.createUser({
          username: input.username,
          member: input.member,
          ...(input.globalName !== undefined ? { globalName: input.globalName } : {}),
          ...(input.avatar !== undefined ? { avatar: input.avatar } : {}),
        });
        sendJson(res, 201, { user });
        return;
      }
      case 'POST /reset':
        req.resume();
        reset(deps);
        sendJson(res, 200, { ok: true });
        return;
      default:
        req.resume();
        sendJson(res, 404, { error: `no control route ${method} /_emulator${subpath}` });
    }
  } catch (error) {
    if (error instanceof ControlError) sendJson(res, error.status, { error: error.message, ...(error.issues ? { issues: error.issues } : {}) });
    else throw error;
  }
}

/** Back to the seed. Live Gateway sessions are invalidated so clients re-identify and see the fresh guild. */
export function reset(deps: ControlDeps): void {
  deps.state.reset();
  deps.faults.clear();
  deps.limiter.reset();
  deps.restApi.releaseHung();
  deps.invalidRequests.reset();
  deps.gateway.sessionStartLimit.reset();
  deps.gateway.startOutage(0);
  // Connected sessions get INVALID_SESSION(false) now; disconnected ones become unresumable.
  deps.gateway.injectFault({ kind: 'gateway.invalidSession', resumable: false });
  deps.gateway.forgetSessions();
}

function applyFault(deps: ControlDeps, fault: FaultCommand): number {
  switch (fault.kind) {
    case 'gateway.drop':
    case 'gateway.zombie':
    case 'gateway.reconnect':
    case 'gateway.invalidSession':
      return deps.gateway.injectFault(fault.resumable === undefined ? { kind: fault.kind } : { kind: fault.kind, resumable: fault.resumable });
    case 'gateway.forgetSessions': {
      const sessions = deps.gateway.stats().sessions.length;
      deps.gateway.forgetSessions();
      return sessions;
    }
    case 'rest.status':
    case 'rest.hang':
      deps.faults.add(stripUndefined(fault));
      return fault.count;
    case 'latency':
      deps.faults.setLatency(fault.ms);
      return 0;
    case 'oauth.expireTokens': {
      if (fault.userId === undefined) return deps.state.oauth.expireAccessTokens();
      const user = deps.state.findUser(fault.userId);
      if (!user) throw new ControlError(400, `unknown user "${fault.userId}"`);
      return deps.state.oauth.expireAccessTokens(user.id);
    }
  }
}

function stripUndefined<T extends object>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

async function readJson<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
  const text = await readBody(req);
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ControlError(400, 'body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
    throw new ControlError(400, `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  return parsed.data;
}
