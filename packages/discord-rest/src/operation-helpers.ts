import { OverwriteType } from 'discord-api-types/v10';
import type { z } from 'zod';
import type { PermissionOverwriteInput } from './operation-types.ts';

/** The small pieces DiscordRestClient's operations share: answer parsers, and what goes into a route or body. */

/** An answer checked by `schema` (zod at the boundary: Discord's JSON is not trusted). */
export function json<S extends z.ZodType>(schema: S): (status: number, body: unknown) => z.infer<S> {
  return (_status, body) => schema.parse(body);
}

export function noContent(): void {
  return undefined;
}

export function overwriteBody(overwrite: PermissionOverwriteInput): { id: string; type: OverwriteType; allow: string; deny: string } {
  return {
    id: snowflake('overwrite id', overwrite.id),
    type: overwrite.type === 'role' ? OverwriteType.Role : OverwriteType.Member,
    allow: String(overwrite.allow ?? 0n),
    deny: String(overwrite.deny ?? 0n),
  };
}

/** Ids go into the URL path: anything but digits would be a path injection, and is a bug upstream. */
export function snowflake(name: string, value: string): string {
  if (!/^\d{1,20}$/.test(value)) throw new TypeError(`${name} must be a Discord snowflake (digits), got ${JSON.stringify(value.slice(0, 40))}`);
  return value;
}
