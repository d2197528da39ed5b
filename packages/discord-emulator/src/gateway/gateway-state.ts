import type { EmulatorState } from '../state.ts';

export type { DispatchRecord } from '../state.ts';

/** The slice of the emulator's state the gateway reads; it never mutates state. */
export type GatewayStateSource = Pick<
  EmulatorState,
  'onDispatch' | 'guildIds' | 'botUser' | 'application' | 'isValidBotToken' | 'guildCreatePayload' | 'botGuildIds' | 'botSeesGuild'
>;

/**
 * IDENTIFY and RESUME carry the raw token. Libraries that reuse their REST authorization string
 * send it with the `Bot ` prefix, which Discord tolerates, so the emulator does too.
 */
export function isValidGatewayToken(state: GatewayStateSource, token: string): boolean {
  return state.isValidBotToken(token.startsWith('Bot ') ? token.slice(4) : token);
}
