import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Test support: zod validators built from the project-owned copy of Discord's response schemas
 * (discord-schemas.json, see README.md). Not exported from the package.
 */

const document = JSON.parse(readFileSync(new URL('./discord-schemas.json', import.meta.url), 'utf8')) as {
  $schema: string;
  $defs: Record<string, unknown>;
};

export type DiscordSchemaName = keyof typeof document.$defs & string;

const cache = new Map<string, z.ZodType>();

/** The zod schema of one of Discord's components (e.g. `GuildResponse`). Throws if the copy lacks it. */
export function discordSchema(name: string): z.ZodType {
  let schema = cache.get(name);
  if (!schema) {
    if (!(name in document.$defs)) throw new Error(`discord-schemas.json has no schema ${name}`);
    schema = z.fromJSONSchema({ $schema: document.$schema, $defs: document.$defs, $ref: `#/$defs/${name}` } as never);
    cache.set(name, schema);
  }
  return schema;
}

/** The issues of `value` against Discord's schema, as `path: message` lines (empty when it conforms). */
export function schemaProblems(name: string, value: unknown): string[] {
  const result = discordSchema(name).safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
}
