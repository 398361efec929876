// Transport: delivers the outbox to PAM and PAM's frames to the page. WebSocket first
// (hello/welcome, resume with last_seq, acks, heartbeat, reconnect with backoff and
// jitter); after three failed WebSocket attempts in a row it falls back to REST for
// sending and long-polling for receiving, and keeps probing the WebSocket.
import { ApiError, Session } from "./auth";
import { backoffDelay } from "./backoff";
import type { Outbox, Outgoing } from "./outbox";
import { parseServerFrame, type ChatReply, type EventsResponse, type ServerFrame } from "./protocol";
import * as storage from "./storage";

export type LinkState = "connecting" | "online" | "reconnecting" | "polling" | "offline";

export interface TransportEvents {
  state(s: LinkState): void;
  // frame receives every live frame and each durable frame once.
  frame(f: ServerFrame): void;
  // restReply receives the answer to a message sent over the REST fallback.
  restReply(id: string, r: ChatReply): void;
  // rejected reports a message the server refused for good (it left the outbox).
  rejected(id: string, code: string, message: string): void;
  // resync asks the page to reload history: the server no longer has every missed frame.
  resync(): void;
}

const maxWsFailures = 3;
const welcomeTimeoutMs = 10_000;
const probeEveryMs = 30_000;
const retryable = new Set(["RATE_LIMITED", "OVERLOADED"]);

export class Transport {
  private ws: WebSocket | null = null;
  private welcomed = false;
  private failures = 0; // WebSocket attempts in a row that never reached welcome
  private attempt = 0; // reconnect attempts since the last success (for the backoff)
  private reconnectTimer: number | undefined;
  private heartbeatTimer: number | undefined;
  private welcomeTimer: number | undefined;
  private lastFrameAt = 0;
  private heartbeatMs = 25_000;
  private lastSeq: number;
  private hadSeq: boolean;
  private polling = false;
  private pollAbort: AbortController | null = null;
  private flushing = false;
  private stopped = false;
  private seqKey: string;

  constructor(
    private session: Session,
    private outbox: Outbox,
    private on: TransportEvents,
    userID: string,
  ) {
    this.seqKey = `pam.last_seq.${userID}`;
    const s = storage.load<number>(this.seqKey);
    this.hadSeq = typeof s === "number" && s >= 0;
    this.lastSeq = this.hadSeq ? (s as number) : 0;
    window.addEventListener("online", this.onOnline);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.clearTimeout(this.reconnectTimer);
    this.stopPolling();
    this.dropSocket();
  }

  // send delivers a message already added to the outbox, if a link is up now; otherwise
  // it goes out with the next flush.
  send(m: Outgoing): void {
    if (this.ws && this.welcomed) this.sendChat(m);
    else if (this.polling) void this.flushREST();
  }

  // tokenChanged forwards a refreshed access token to an open WebSocket.
  tokenChanged(token: string): void {
    if (this.ws && this.welcomed) this.ws.send(JSON.stringify({ type: "auth", token }));
  }

  private onOnline = (): void => {
    if (this.stopped || (this.ws && this.welcomed)) return;
    this.attempt = 0;
    window.clearTimeout(this.reconnectTimer);
    this.connect();
  };

  private async connect(): Promise<void> {
    if (this.stopped || this.ws) return;
    this.on.state(this.polling ? "polling" : this.attempt === 0 && this.failures === 0 ? "connecting" : "reconnecting");
    let token: string;
    try {
      token = await this.session.token();
    } catch {
      this.wsFailed();
      return;
    }
    if (this.stopped || this.ws) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    let ws: WebSocket;
    try {
      ws = new WebSocket(`${proto}//${location.host}/api/v1/ws`);
    } catch {
      this.wsFailed();
      return;
    }
    this.ws = ws;
    this.welcomed = false;
    ws.onopen = () => {
      const hello: { type: "hello"; token: string; last_seq?: number } = { type: "hello", token };
      if (this.hadSeq) hello.last_seq = this.lastSeq;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (ev) => this.onFrame(ev.data);
    ws.onclose = (ev) => this.onClose(ws, ev.code);
    ws.onerror = () => {
      // onclose follows and does the work
    };
    this.welcomeTimer = window.setTimeout(() => {
      if (this.ws === ws && !this.welcomed) this.onClose(ws, 4000);
    }, welcomeTimeoutMs);
  }

  private onFrame(data: unknown): void {
    this.lastFrameAt = Date.now();
    const f = parseServerFrame(data);
    if (!f) return;
    if (f.type === "welcome") {
      this.onWelcome(f.last_seq, f.recovered, f.heartbeat_ms);
      return;
    }
    this.handle(f);
  }

  private onWelcome(serverSeq: number, recovered: boolean, heartbeatMs: number): void {
    window.clearTimeout(this.welcomeTimer);
    this.welcomed = true;
    this.failures = 0;
    this.attempt = 0;
    if (this.polling) this.stopPolling();
    const newest = typeof serverSeq === "number" && serverSeq >= 0 ? serverSeq : 0;
    // A server that has fewer frames than we have seen lost them (or is another
    // deployment): start over from its numbering, or its answers would look like replays.
    const regressed = this.hadSeq && newest < this.lastSeq;
    if (!this.hadSeq || !recovered || regressed) {
      if (this.hadSeq && (!recovered || regressed)) this.on.resync();
      this.setSeq(newest);
    }
    this.heartbeatMs = heartbeatMs > 0 ? heartbeatMs : 25_000;
    this.startHeartbeat();
    this.on.state("online");
    for (const m of this.outbox.all()) this.sendChat(m);
  }

  // handle routes a frame from either link: dedupes durable frames by seq, acks them
  // and keeps the outbox in step.
  private handle(f: ServerFrame): void {
    const seq = (f as { seq?: unknown }).seq;
    if ((f.type === "message" || f.type === "error") && typeof seq === "number") {
      if (seq <= this.lastSeq) return;
      this.setSeq(seq);
      if (this.ws && this.welcomed) this.ws.send(JSON.stringify({ type: "ack", seq }));
    }
    switch (f.type) {
      case "accepted":
        this.outbox.remove(f.id);
        break;
      case "message":
        this.outbox.remove(f.id);
        break;
      case "error":
        if (f.id && this.outbox.has(f.id)) {
          if (retryable.has(f.code)) {
            const id = f.id;
            window.setTimeout(() => {
              const m = this.outbox.all().find((x) => x.id === id);
              if (m) this.send(m);
            }, Math.max(f.retry_after_ms ?? 0, 1000));
          } else if (f.code === "MAINTENANCE") {
            this.outbox.remove(f.id); // queued durably by the server; the answer comes later
          } else {
            this.outbox.remove(f.id);
            this.on.rejected(f.id, f.code, f.message);
          }
        }
        break;
    }
    this.on.frame(f);
  }

  private setSeq(seq: number): void {
    this.lastSeq = seq;
    this.hadSeq = true;
    storage.save(this.seqKey, seq);
  }

  private sendChat(m: Outgoing): void {
    if (!this.ws) return;
    const frame: Record<string, unknown> = { type: "chat", id: m.id, text: m.text };
    if (m.conversation_id) frame.conversation_id = m.conversation_id;
    if (m.context) frame.context = m.context;
    this.ws.send(JSON.stringify(frame));
  }

  private startHeartbeat(): void {
    window.clearInterval(this.heartbeatTimer);
    this.lastFrameAt = Date.now();
    const ws = this.ws;
    this.heartbeatTimer = window.setInterval(() => {
      if (this.ws !== ws || !ws) return;
      if (Date.now() - this.lastFrameAt > this.heartbeatMs * 2 + 5_000) {
        this.onClose(ws, 4000); // silent connection: treat as dead without waiting for TCP
        return;
      }
      ws.send(JSON.stringify({ type: "ping" }));
    }, this.heartbeatMs);
  }

  private dropSocket(): void {
    window.clearInterval(this.heartbeatTimer);
    window.clearTimeout(this.welcomeTimer);
    const ws = this.ws;
    this.ws = null;
    this.welcomed = false;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // already closed
      }
    }
  }

  private onClose(ws: WebSocket, code: number): void {
    if (this.ws !== ws) return;
    const wasWelcomed = this.welcomed;
    this.dropSocket();
    if (this.stopped) return;
    const next = (): void => {
      if (this.stopped) return;
      if (wasWelcomed) {
        this.attempt = 0;
        this.scheduleReconnect();
      } else {
        this.wsFailed();
      }
    };
    if (code === 4001) {
      // Token rejected: reconnect only after a refresh (a failed refresh logs out).
      this.session.refresh().then(next, next);
    } else {
      next();
    }
  }

  private wsFailed(): void {
    this.failures++;
    if (this.failures >= maxWsFailures && !this.polling) this.startPolling();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    window.clearTimeout(this.reconnectTimer);
    if (this.stopped) return;
    const delay = this.polling ? probeEveryMs : backoffDelay(this.attempt++);
    this.on.state(this.polling ? "polling" : "reconnecting");
    this.reconnectTimer = window.setTimeout(() => void this.connect(), delay);
  }

  // --- fallback: REST to send, long-poll to receive ---

  private startPolling(): void {
    this.polling = true;
    this.on.state("polling");
    void this.pollLoop();
    void this.flushREST();
  }

  private stopPolling(): void {
    this.polling = false;
    this.pollAbort?.abort();
    this.pollAbort = null;
  }

  private async pollLoop(): Promise<void> {
    let errors = 0;
    while (this.polling && !this.stopped) {
      const ctl = new AbortController();
      this.pollAbort = ctl;
      const timer = window.setTimeout(() => ctl.abort(), 35_000);
      try {
        const r = await this.session.fetchJSON<EventsResponse>(`/api/v1/events?after=${this.lastSeq}&wait=25s`, {}, ctl.signal);
        errors = 0;
        if (!this.polling) return;
        this.on.state("polling");
        for (const f of Array.isArray(r.events) ? r.events : []) {
          if (f && typeof f === "object" && "type" in f) this.handle(f);
        }
        if (this.outbox.all().length > 0) void this.flushREST();
      } catch (e) {
        if (!this.polling) return;
        errors++;
        this.on.state("offline");
        const wait = e instanceof ApiError && e.retryAfterMs > 0 ? e.retryAfterMs : backoffDelay(errors - 1);
        await sleep(wait);
      } finally {
        window.clearTimeout(timer);
      }
    }
  }

  private async flushREST(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      let errors = 0;
      while (this.polling && !this.stopped) {
        const m = this.outbox.all()[0];
        if (!m) return;
        try {
          const body: Record<string, unknown> = { message: m.text, client_message_id: m.id };
          if (m.conversation_id) body.conversation_id = m.conversation_id;
          if (m.context) body.context = m.context;
          const r = await this.session.fetchJSON<ChatReply>("/api/v1/chat", { method: "POST", body: JSON.stringify(body) });
          errors = 0;
          this.outbox.remove(m.id);
          this.on.restReply(m.id, r);
        } catch (e) {
          if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 401 && e.status !== 408 && e.status !== 429) {
            this.outbox.remove(m.id);
            this.on.rejected(m.id, e.code, e.message);
            continue;
          }
          errors++;
          const wait = e instanceof ApiError && e.retryAfterMs > 0 ? e.retryAfterMs : backoffDelay(errors - 1);
          await sleep(wait);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => window.setTimeout(r, ms));
}
