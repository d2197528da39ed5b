/**
 * Discord's JSON error bodies. Every failure the emulator reports (from state mutations or REST
 * handlers) is an EmulatorApiError carrying the HTTP status and the JSON code Discord would send, so
 * clients see byte-for-byte the shapes they handle in production.
 */
export interface FieldError {
  code: string;
  message: string;
}

/** Discord's nested `errors` tree: leaves hold `_errors`, keys follow the body's path. */
export interface ErrorTree {
  [key: string]: ErrorTree | FieldError[];
}

export interface DiscordErrorBody {
  message: string;
  code: number;
  errors?: ErrorTree;
}

/** The error a Discord API call answers with, as the emulator raises it (not discord-rest's DiscordApiError, which a client throws on receiving one). */
export class EmulatorApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: ErrorTree,
  ) {
    super(message);
    this.name = 'EmulatorApiError';
  }

  body(): DiscordErrorBody {
    return this.errors ? { message: this.message, code: this.code, errors: this.errors } : { message: this.message, code: this.code };
  }
}

export const unauthorized = () => new EmulatorApiError(401, 0, '401: Unauthorized');
export const notFound = () => new EmulatorApiError(404, 0, '404: Not Found');
export const methodNotAllowed = () => new EmulatorApiError(405, 0, '405: Method Not Allowed');
export const unknownChannel = () => new EmulatorApiError(404, 10003, 'Unknown Channel');
export const unknownGuild = () => new EmulatorApiError(404, 10004, 'Unknown Guild');
export const unknownMember = () => new EmulatorApiError(404, 10007, 'Unknown Member');
export const unknownRole = () => new EmulatorApiError(404, 10011, 'Unknown Role');
export const unknownUser = () => new EmulatorApiError(404, 10013, 'Unknown User');
export const missingAccess = () => new EmulatorApiError(403, 50001, 'Missing Access');
export const missingPermissions = () => new EmulatorApiError(403, 50013, 'Missing Permissions');
export const invalidJson = () => new EmulatorApiError(400, 50109, 'The request body contains invalid JSON.');
export const notInVoice = () => new EmulatorApiError(400, 40032, 'Target user is not connected to voice.');
export const invalidFormBody = (errors: ErrorTree) => new EmulatorApiError(400, 50035, 'Invalid Form Body', errors);

// Discord's resource limits. The number in each message is the limit in force, so a test that
// lowers a limit sees the message Discord would send for that number.
export const maxGuilds = (limit: number) => new EmulatorApiError(400, 30001, `Maximum number of guilds reached (${limit})`);
export const maxGuildRoles = (limit: number) => new EmulatorApiError(400, 30005, `Maximum number of guild roles reached (${limit})`);
export const maxGuildChannels = (limit: number) => new EmulatorApiError(400, 30013, `Maximum number of guild channels reached (${limit})`);
/** A full category is not a JSON error code of its own: Discord reports it as a form error on `parent_id`. */
export const categoryFull = (limit: number) =>
  fieldError(['parent_id'], 'CHANNEL_PARENT_MAX_CHANNELS', `Maximum number of channels in category reached (${limit})`);

/** A single-field Invalid Form Body, e.g. `fieldError(['parent_id'], 'CHANNEL_PARENT_INVALID_TYPE', …)`. */
export function fieldError(path: readonly (string | number)[], code: string, message: string): EmulatorApiError {
  const tree: ErrorTree = {};
  addFieldError(tree, path, { code, message });
  return invalidFormBody(tree);
}

export function addFieldError(tree: ErrorTree, path: readonly (string | number)[], error: FieldError): void {
  let node: ErrorTree = tree;
  for (const key of path) {
    const next = node[String(key)];
    if (next && !Array.isArray(next)) {
      node = next;
    } else {
      const created: ErrorTree = {};
      node[String(key)] = created;
      node = created;
    }
  }
  const leaf = node._errors;
  if (Array.isArray(leaf)) leaf.push(error);
  else node._errors = [error];
}
