// Outbox: chat messages not yet accepted by the server, kept in localStorage so that
// a reload or a lost connection never loses what the user typed. Each keeps its id,
// so re-sending is idempotent.
import type { ChatContext } from "./protocol";
import * as storage from "./storage";

export interface Outgoing {
  id: string;
  text: string;
  conversation_id?: string;
  context?: ChatContext;
  created_at: number;
}

// Every operation re-reads storage, so tabs of the same user share one queue instead
// of overwriting each other's; memory is the fallback when storage is unavailable.
export class Outbox {
  private items: Outgoing[] = [];

  constructor(private key: string) {
    this.items = this.read();
  }

  add(m: Outgoing): void {
    const items = this.read();
    if (items.some((x) => x.id === m.id)) return;
    items.push(m);
    this.write(items);
  }

  // remove drops a message the server has accepted; it reports whether it was queued.
  remove(id: string): boolean {
    const items = this.read();
    const kept = items.filter((m) => m.id !== id);
    if (kept.length !== items.length) this.write(kept);
    return kept.length !== items.length;
  }

  has(id: string): boolean {
    return this.read().some((m) => m.id === id);
  }

  all(): Outgoing[] {
    return this.read();
  }

  private read(): Outgoing[] {
    const loaded = storage.load<unknown>(this.key);
    if (!Array.isArray(loaded)) return loaded === null ? this.items.slice() : [];
    return loaded.filter((m): m is Outgoing => typeof m?.id === "string" && typeof m?.text === "string");
  }

  private write(items: Outgoing[]): void {
    this.items = items;
    storage.save(this.key, items);
  }
}
