import type { z } from 'zod';
import { addFieldError, invalidFormBody, type ErrorTree } from '../errors.ts';

/**
 * zod at the REST boundary, reported the way Discord reports bad bodies: 400, code 50035
 * "Invalid Form Body" and an `errors` tree whose leaves carry Discord's field error codes.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const tree: ErrorTree = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    addFieldError(tree, path, discordFieldError(issue, valueAt(body, path)));
  }
  throw invalidFormBody(tree);
}

/** Schemas may set a Discord code in a custom issue's params (`{ params: { code } }`). */
function discordFieldError(issue: z.core.$ZodIssue, sent: unknown): { code: string; message: string } {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
      if (issue.expected === 'number' || issue.expected === 'int') {
        return { code: 'NUMBER_TYPE_COERCE', message: `Value "${String(issue.input)}" is not int.` };
      }
      if (issue.expected === 'boolean') return { code: 'BOOLEAN_TYPE_COERCE', message: 'Must be either true or false.' };
      if (issue.expected === 'array') return { code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' };
      return { code: 'STRING_TYPE_CONVERT', message: `Could not interpret "${String(issue.input)}" as string.` };
    case 'too_small':
      if (issue.origin === 'string') return { code: 'BASE_TYPE_BAD_LENGTH', message: issue.message };
      return { code: 'NUMBER_TYPE_MIN', message: `int value should be greater than or equal to ${String(issue.minimum)}.` };
    case 'too_big':
      if (issue.origin === 'string') return { code: 'BASE_TYPE_BAD_LENGTH', message: issue.message };
      if (issue.origin === 'array') return { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${String(issue.maximum)} or fewer in length.` };
      return { code: 'NUMBER_TYPE_MAX', message: `int value should be less than or equal to ${String(issue.maximum)}.` };
    case 'invalid_value':
      return { code: 'BASE_TYPE_CHOICES', message: `Value must be one of {${issue.values.map(String).join(', ')}}.` };
    case 'invalid_format':
      // zod leaves `input` out of format issues; the message names what the client sent.
      return { code: 'NUMBER_TYPE_COERCE', message: `Value "${String(issue.input ?? sent)}" is not snowflake.` };
    case 'custom': {
      const code = typeof issue.params?.code === 'string' ? issue.params.code : 'BASE_TYPE_INVALID';
      return { code, message: issue.message };
    }
    default:
      return { code: 'BASE_TYPE_INVALID', message: issue.message };
  }
}

function valueAt(body: unknown, path: readonly (string | number)[]): unknown {
  let node = body;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}
