/**
 * Where to send a user after sign-in. Only same-origin absolute paths are allowed: anything that a
 * browser could read as another origin (`//evil`, `/\evil`, `https://…`, `javascript:`) becomes `/`.
 */
export function safeReturnTo(value: string | null | undefined): string {
  if (!value || value.length > 2048) return '/';
  if (!value.startsWith('/')) return '/';
  // Browsers treat "//host" and "/\host" as protocol-relative URLs.
  if (value.startsWith('//') || value.startsWith('/\\')) return '/';
  // Control characters (tabs, newlines) are stripped by URL parsers and can smuggle the above.
  if (/[\u0000-\u001f\u007f]/.test(value)) return '/';
  try {
    const base = 'http://spell-rooms.invalid';
    const url = new URL(value, base);
    if (url.origin !== base) return '/';
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return '/';
  }
}
