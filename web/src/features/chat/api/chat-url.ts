/** The chat WebSocket URL of a room, on the page's own host. */
export function chatUrl(roomId: string, loc: Location = window.location): string {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}/api/rooms/${encodeURIComponent(roomId)}/chat`;
}
