// The conversation view. Every piece of user or model text goes through textContent:
// nothing here parses HTML.

export type UserState = "queued" | "sent" | "failed";

const stateText: Record<UserState, string> = {
  queued: "Waiting to send…",
  sent: "",
  failed: "Not sent",
};

export class ChatView {
  // onAnswer is called with each shown answer of PAM (the page adds its speak button).
  onAnswer: (li: HTMLElement, text: string) => void = () => {};

  constructor(private list: HTMLElement) {}

  clear(): void {
    this.list.replaceChildren();
  }

  // addUser shows a message the user wrote; it is a no-op when it is already shown.
  addUser(id: string, text: string, state: UserState): void {
    if (this.find("data-id", id, "user")) {
      this.markUser(id, state);
      return;
    }
    const li = this.bubble("user", text);
    li.dataset.id = id;
    const note = document.createElement("span");
    note.className = "note";
    li.append(note);
    this.append(li);
    this.markUser(id, state);
  }

  markUser(id: string, state: UserState, detail = ""): void {
    const li = this.find("data-id", id, "user");
    if (!li) return;
    li.dataset.state = state;
    const note = li.querySelector(".note");
    if (note) note.textContent = detail ? `${stateText[state]}: ${detail}` : stateText[state];
  }

  // delta appends streamed text to the answer of a turn, creating its bubble.
  delta(turnID: string, text: string): void {
    const li = this.turnBubble(turnID);
    const t = li.querySelector(".text");
    if (t) t.textContent = (t.textContent ?? "") + text;
    this.scroll();
  }

  // tool shows which tool a turn is using.
  tool(turnID: string, name: string, status: string): void {
    const li = this.turnBubble(turnID);
    let tools = li.querySelector(".tools");
    if (!tools) {
      tools = document.createElement("span");
      tools.className = "tools";
      li.prepend(tools);
    }
    tools.textContent = `${name.replace(/_/g, " ")}: ${status}`;
  }

  // answer shows PAM's final answer, replacing its streamed text. It returns false
  // when that answer is already shown.
  answer(a: { turnID?: string; messageID?: string; text: string; degraded: boolean }): boolean {
    if (a.messageID && this.find("data-message-id", a.messageID, "pam")) return false;
    const li = a.turnID ? this.turnBubble(a.turnID) : this.bubble("pam", "");
    if (!li.isConnected) this.append(li);
    const t = li.querySelector(".text");
    if (t) t.textContent = a.text;
    li.classList.remove("streaming");
    li.removeAttribute("aria-busy");
    li.querySelector(".tools")?.remove();
    if (a.messageID) li.dataset.messageId = a.messageID;
    li.classList.toggle("degraded", a.degraded);
    this.onAnswer(li, a.text);
    this.scroll();
    return true;
  }

  // notice shows a line from the page itself (errors, resync notes).
  notice(text: string): void {
    this.append(this.bubble("system", text));
  }

  private turnBubble(turnID: string): HTMLElement {
    let li = this.find("data-turn", turnID, "pam");
    if (!li) {
      li = this.bubble("pam", "");
      li.dataset.turn = turnID;
      li.classList.add("streaming");
      li.setAttribute("aria-busy", "true");
      this.append(li);
    }
    return li;
  }

  private bubble(kind: "user" | "pam" | "system", text: string): HTMLElement {
    const li = document.createElement("li");
    li.className = `msg ${kind}`;
    const who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = kind === "user" ? "You: " : kind === "pam" ? "PAM: " : "";
    const t = document.createElement("span");
    t.className = "text";
    t.textContent = text;
    li.append(who, t);
    return li;
  }

  private find(attr: string, value: string, kind: string): HTMLElement | null {
    for (const el of this.list.querySelectorAll<HTMLElement>(`.msg.${kind}[${attr}]`)) {
      if (el.getAttribute(attr) === value) return el;
    }
    return null;
  }

  private append(li: HTMLElement): void {
    this.list.append(li);
    this.scroll();
  }

  private scroll(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
