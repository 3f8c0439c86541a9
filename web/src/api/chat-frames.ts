/**
 * Names for the frames of the chat WebSocket (docs/chat-protocol.md). Every one is generated from
 * the server's JSON Schema of its Rust frame types (`chat-protocol.d.ts`, written by
 * `npm run gen:api` from docs/chat-protocol.schema.json); none is copied by hand.
 */
import type { Author, ClientFrame, MessageView, ServerFrame } from "./chat-protocol";

export type { ClientFrame, ServerFrame };
export type ChatAuthor = Author;
export type ChatMessage = MessageView;
