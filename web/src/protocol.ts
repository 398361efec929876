// Wire types of PAM's public contract (DESIGN.md): REST bodies and WebSocket frames.

export interface Money {
  amount: string; // decimal string, never a float
  currency: string;
}

export interface Expense {
  id: string;
  amount: Money;
  category: string;
  merchant?: string;
  description?: string;
  date: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string;
}

export interface AuthUser {
  id: string;
  email: string;
  role: string;
}

export interface AuthResponse {
  user: AuthUser;
  access_token: string;
  refresh_token: string;
  expires_in: number; // seconds
}

export interface GeoContext {
  lat: number;
  lng: number;
  accuracy_m?: number;
  timestamp?: string; // RFC 3339
}

export interface ChatContext {
  timezone?: string;
  locale?: string;
  location?: GeoContext;
}

export interface UIAction {
  type: string;
  entity_id?: string;
  entity_type?: string;
  entity_title?: string;
}

export interface ChatReply {
  conversation_id: string;
  message_id: string;
  reply: string;
  tool_calls?: { name: string; status: string }[];
  ui_actions?: (UIAction | string)[];
  degraded: boolean;
  source?: string;
}

export interface HistoryMessage {
  id: string;
  conversation_id: string;
  role: string;
  content: string;
  client_message_id?: string;
  degraded: boolean;
  created_at: string;
}

// Client → server frames.
export type ClientFrame =
  | { type: "hello"; token: string; last_seq?: number }
  | { type: "chat"; id: string; text: string; conversation_id?: string; context?: ChatContext }
  | { type: "ack"; seq: number }
  | { type: "auth"; token: string }
  | { type: "ping" };

// Server → client frames.
export interface WelcomeFrame { type: "welcome"; user_id: string; last_seq: number; recovered: boolean; heartbeat_ms: number }
export interface AcceptedFrame { type: "accepted"; id: string; conversation_id: string }
export interface ThinkingFrame { type: "thinking"; turn_id: string }
export interface DeltaFrame { type: "delta"; turn_id: string; text: string }
export interface ToolFrame { type: "tool"; turn_id: string; name: string; status: string }
export interface MessageFrame {
  type: "message";
  seq: number;
  turn_id: string;
  id: string; // the client's chat id
  conversation_id: string;
  message_id: string;
  text: string;
  ui_actions?: (UIAction | string)[];
  degraded: boolean;
  source?: string;
}
export interface ErrorFrame { type: "error"; code: string; message: string; id?: string; seq?: number; retry_after_ms?: number }
export interface PongFrame { type: "pong" }
// CelebrationFrame is durable: the month's savings passed the celebration threshold.
export interface CelebrationFrame { type: "celebration"; seq: number; month: string; message: string }

export type ServerFrame =
  | WelcomeFrame | AcceptedFrame | ThinkingFrame | DeltaFrame | ToolFrame
  | MessageFrame | ErrorFrame | PongFrame | CelebrationFrame;

export interface EventsResponse {
  events: ServerFrame[];
  last_seq: number;
}

// parseServerFrame returns the frame when data is a JSON object with a known type, else null.
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const t = (v as { type?: unknown }).type;
  switch (t) {
    case "welcome": case "accepted": case "thinking": case "delta": case "tool":
    case "message": case "error": case "pong": case "celebration":
      return v as ServerFrame;
    default:
      return null;
  }
}

// wantsExpenseReload reports whether ui_actions ask the page to reload the expense list.
export function wantsExpenseReload(actions: (UIAction | string)[] | undefined): boolean {
  if (!Array.isArray(actions)) return false;
  return actions.some((a) => a === "reload_expenses" || (typeof a === "object" && a !== null && a.type === "reload_expenses"));
}
