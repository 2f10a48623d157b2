// The shapes the visitor's protocol client (client.ts) deals in: what it shows (messages,
// status changes), what it keeps across page loads, and what it reports to the UI.

export type ConnectionState = "connecting" | "online" | "offline";
export type Delivery = "pending" | "sent" | "read" | "failed";

export interface Sender { kind: string; id?: string; name?: string }
export interface QuickReply { label: string; value: string }
export interface Attachment { id: string; name?: string; content_type?: string; size?: number; url?: string }

export interface ChatMessage {
  key: string; // the client_msg_id of a visitor's message, else "<conversation>:<seq>"
  order: number; // sorts the conversation log; Infinity until the server gave it a seq
  conversation?: string;
  seq?: number;
  ts: number;
  mine: boolean;
  sender: Sender;
  text: string;
  attachments: Attachment[];
  buttons?: QuickReply[]; // a bot's quick replies: picking one sends its value as a message
  delivery?: Delivery; // the visitor's own messages only
  error?: string; // the error code of a refused send
  streaming?: boolean; // the AI's reply so far (a partial frame): no seq, replaced by its message
}

export interface StatusChange {
  key: string;
  order: number;
  conversation: string;
  ts: number;
  status: string;
  agent: { id: string; name: string } | null;
}

export interface OutboxItem { client_msg_id: string; text: string; attachments: Attachment[]; ts: number; error?: string }

// What survives a page load (kept only once the visitor opened the widget).
export interface Saved { token?: string; conversation?: string; read?: number; outbox?: OutboxItem[]; identified?: boolean }

export type ClientEvent =
  | { type: "state"; state: ConnectionState }
  | { type: "welcome"; open: boolean }
  | { type: "message"; message: ChatMessage; unseen?: boolean } // new or changed (same key); unseen: staff's, not read yet
  | { type: "status"; change: StatusChange }
  | { type: "drop"; key: string } // a streamed reply that will get no message
  | { type: "queue"; position: number | null }
  | { type: "typing"; on: boolean; sender: Sender }
  | { type: "error"; code: string; message: string; ref?: string };

export interface SocketLike {
  send(data: string): void;
  close(): void;
  onopen: ((e: any) => void) | null;
  onmessage: ((e: any) => void) | null;
  onclose: ((e: any) => void) | null;
}

export interface ClientOptions {
  url: string;
  WebSocket: new (url: string) => SocketLike;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (id: any) => void;
  random: () => number;
  now: () => number;
  saved?: Saved;
  save?: (saved: Saved) => void;
  onEvent: (event: ClientEvent) => void;
}
