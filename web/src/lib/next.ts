/** A safe in-app path to go to after logging in (never another origin). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/login") || next.startsWith("/register")) {
    return "/";
  }
  return next;
}
