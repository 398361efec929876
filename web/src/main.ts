// PAM's chat page: log in, chat over the WebSocket (REST and long-poll as fallback),
// see expenses beside the conversation.
import { ApiError, Session } from "./auth";
import { currentContext, Locator } from "./chatcontext";
import { ExpenseList } from "./expenses";
import { newID } from "./ids";
import { Outbox } from "./outbox";
import type { ChatReply, HistoryMessage, MessageFrame, Page, ServerFrame, UIAction } from "./protocol";
import { wantsExpenseReload } from "./protocol";
import * as storage from "./storage";
import { Thinking } from "./thinking";
import { Transport, type LinkState } from "./transport";
import { ChatView } from "./view";
import { Voice } from "./voice";

const maxMessageChars = 8000;

function byID<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`page is missing #${id}`);
  return el as T;
}

const ui = {
  auth: byID<HTMLElement>("auth"),
  authForm: byID<HTMLFormElement>("auth-form"),
  authError: byID<HTMLElement>("auth-error"),
  email: byID<HTMLInputElement>("email"),
  password: byID<HTMLInputElement>("password"),
  displayName: byID<HTMLInputElement>("display-name"),
  loginBtn: byID<HTMLButtonElement>("login-btn"),
  registerBtn: byID<HTMLButtonElement>("register-btn"),
  app: byID<HTMLElement>("app"),
  who: byID<HTMLElement>("who"),
  logoutBtn: byID<HTMLButtonElement>("logout-btn"),
  status: byID<HTMLElement>("status"),
  banner: byID<HTMLElement>("banner"),
  bannerText: byID<HTMLElement>("banner-text"),
  bannerClose: byID<HTMLButtonElement>("banner-close"),
  messages: byID<HTMLElement>("messages"),
  thinking: byID<HTMLElement>("thinking"),
  composer: byID<HTMLFormElement>("composer"),
  input: byID<HTMLTextAreaElement>("message-input"),
  sendBtn: byID<HTMLButtonElement>("send-btn"),
  micBtn: byID<HTMLButtonElement>("mic-btn"),
  shareLocation: byID<HTMLInputElement>("share-location"),
  expenses: byID<HTMLElement>("expenses"),
};

const statusText: Record<LinkState, string> = {
  connecting: "Connecting…",
  online: "Online",
  reconnecting: "Reconnecting…",
  polling: "Online (fallback mode)",
  offline: "Offline — messages will be sent when PAM is back",
};

const session = new Session();
const view = new ChatView(ui.messages);
const voice = new Voice(session);
view.onAnswer = (li, text) => voice.attachSpeak(li, text);
voice.attachMic(ui.micBtn, ui.input, navigator.language || "en-US");
const thinking = new Thinking(ui.thinking);
const expenses = new ExpenseList(ui.expenses, session);
const locator = new Locator();

let transport: Transport | null = null;
let outbox: Outbox | null = null;
let linkState: LinkState = "connecting";
let conversationKey = "";
let conversationID = "";
const answered = new Set<string>(); // client ids whose answer is shown

session.onToken = (t) => transport?.tokenChanged(t);
session.onExpired = () => {
  showAuth("Your session has ended. Please log in again.");
};

function setStatus(s: LinkState): void {
  linkState = s;
  ui.status.textContent = statusText[s];
  ui.status.dataset.state = s;
}

function showBanner(degraded: boolean): void {
  if (degraded) {
    ui.bannerText.textContent = "PAM answered in reduced mode: some information may be out of date or incomplete.";
    ui.banner.hidden = false;
  } else {
    ui.banner.hidden = true;
  }
}

function rememberConversation(id: string | undefined): void {
  if (!id || id === conversationID) return;
  conversationID = id;
  storage.save(conversationKey, id);
}

function onAnswer(a: {
  id?: string;
  turnID?: string;
  messageID?: string;
  conversationID?: string;
  text: string;
  degraded: boolean;
  uiActions?: (UIAction | string)[];
}): void {
  if (a.id) {
    thinking.done(a.id);
    view.markUser(a.id, "sent");
    if (answered.has(a.id)) return;
    answered.add(a.id);
  }
  rememberConversation(a.conversationID);
  if (!view.answer({ turnID: a.turnID, messageID: a.messageID, text: a.text, degraded: a.degraded })) return;
  showBanner(a.degraded);
  expenses.reload(wantsExpenseReload(a.uiActions) ? 0 : 150);
}

function onFrame(f: ServerFrame): void {
  switch (f.type) {
    case "accepted":
      view.markUser(f.id, "sent");
      rememberConversation(f.conversation_id);
      // A re-sent message may be accepted again after its answer was replayed.
      if (!answered.has(f.id)) thinking.start(f.id);
      break;
    case "delta":
      view.delta(f.turn_id, f.text);
      thinking.output();
      break;
    case "tool":
      view.tool(f.turn_id, f.name, f.status);
      thinking.output();
      break;
    case "message": {
      const m = f as MessageFrame;
      onAnswer({
        id: m.id,
        turnID: m.turn_id,
        messageID: m.message_id,
        conversationID: m.conversation_id,
        text: m.text,
        degraded: m.degraded === true,
        uiActions: m.ui_actions,
      });
      break;
    }
    case "celebration":
      view.notice(f.message);
      break;
    case "error":
      if (f.id) {
        if (f.code === "RATE_LIMITED" || f.code === "OVERLOADED") {
          view.markUser(f.id, "queued", "PAM is busy, retrying");
          return;
        }
        thinking.done(f.id);
        if (f.code === "MAINTENANCE") {
          view.markUser(f.id, "sent", "PAM will answer when maintenance ends");
          return;
        }
        view.markUser(f.id, "failed", f.message);
      } else if (f.code !== "INVALID_INPUT") {
        view.notice(f.message);
      } else {
        console.warn("PAM: server rejected a frame:", f.message);
      }
      break;
  }
}

// latestConversation finds the conversation to show on a device that has none stored.
async function latestConversation(): Promise<string> {
  try {
    const page = await session.fetchJSON<Page<{ id: string; updated_at?: string }>>("/api/v1/conversations?limit=20");
    const items = Array.isArray(page.items) ? page.items : [];
    let best: { id: string; updated_at?: string } | null = null;
    for (const c of items) {
      if (!best || Date.parse(c.updated_at ?? "") > Date.parse(best.updated_at ?? "")) best = c;
    }
    return best?.id ?? "";
  } catch {
    return "";
  }
}

async function loadHistory(): Promise<void> {
  if (!conversationID) rememberConversation(await latestConversation());
  if (!conversationID) return;
  let page: Page<HistoryMessage>;
  try {
    page = await session.fetchJSON<Page<HistoryMessage>>(`/api/v1/conversations/${encodeURIComponent(conversationID)}/messages?limit=100`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      conversationID = "";
      storage.remove(conversationKey);
    }
    return;
  }
  const items = (Array.isArray(page.items) ? page.items : []).slice().sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  for (const m of items) {
    if (m.role === "user") {
      view.addUser(m.client_message_id || m.id, m.content, "sent");
    } else if (m.role === "assistant") {
      view.answer({ messageID: m.id, text: m.content, degraded: m.degraded === true });
    }
  }
}

// renderConversation shows the stored conversation, then what still waits to be sent.
async function renderConversation(): Promise<void> {
  view.clear();
  await loadHistory();
  for (const m of outbox?.all() ?? []) view.addUser(m.id, m.text, "queued");
}

function onRESTReply(id: string, r: ChatReply): void {
  onAnswer({
    id,
    messageID: r.message_id,
    conversationID: r.conversation_id,
    text: r.reply,
    degraded: r.degraded === true,
    uiActions: r.ui_actions,
  });
}

async function showChat(): Promise<void> {
  const user = session.user;
  if (!user) return showAuth("");
  ui.auth.hidden = true;
  ui.app.hidden = false;
  ui.who.textContent = user.email;
  conversationKey = `pam.conversation.${user.id}`;
  conversationID = storage.load<string>(conversationKey) ?? "";
  outbox = new Outbox(`pam.outbox.${user.id}`);
  answered.clear();
  await renderConversation();
  transport = new Transport(session, outbox, {
    state: setStatus,
    frame: onFrame,
    restReply: onRESTReply,
    rejected: (id, _code, message) => {
      thinking.done(id);
      view.markUser(id, "failed", message);
    },
    resync: () => {
      void renderConversation().then(() => view.notice("Some messages could not be replayed; the conversation was reloaded."));
    },
  }, user.id);
  transport.start();
  void expenses.load();
  ui.input.focus();
}

function showAuth(message: string): void {
  transport?.stop();
  transport = null;
  outbox = null;
  thinking.reset();
  view.clear();
  expenses.clear();
  locator.disable();
  ui.shareLocation.checked = false;
  ui.app.hidden = true;
  ui.auth.hidden = false;
  ui.status.textContent = "";
  ui.status.dataset.state = "signed-out";
  ui.authError.textContent = message;
  ui.email.focus();
}

async function authenticate(register: boolean): Promise<void> {
  const email = ui.email.value.trim();
  const password = ui.password.value;
  if (!email || !password) {
    ui.authError.textContent = "Enter your email and password.";
    return;
  }
  ui.loginBtn.disabled = ui.registerBtn.disabled = true;
  ui.authError.textContent = "";
  try {
    if (register) await session.register(email, password, ui.displayName.value.trim());
    else await session.login(email, password);
    ui.password.value = "";
    await showChat();
  } catch (e) {
    ui.authError.textContent = e instanceof ApiError ? e.message : "Could not reach PAM. Check your connection.";
  } finally {
    ui.loginBtn.disabled = ui.registerBtn.disabled = false;
  }
}

function send(): void {
  const text = ui.input.value.trim();
  if (!text || !outbox || !transport) return;
  if (text.length > maxMessageChars) {
    view.notice(`That message is too long (at most ${maxMessageChars} characters).`);
    return;
  }
  const m = {
    id: newID(),
    text,
    conversation_id: conversationID || undefined,
    context: currentContext(locator.position),
    created_at: Date.now(),
  };
  outbox.add(m);
  view.addUser(m.id, m.text, "queued");
  ui.input.value = "";
  if (linkState === "online" || linkState === "polling") thinking.start(m.id);
  transport.send(m);
}

ui.authForm.addEventListener("submit", (e) => {
  e.preventDefault();
  void authenticate(false);
});
ui.registerBtn.addEventListener("click", () => void authenticate(true));
ui.logoutBtn.addEventListener("click", () => {
  void session.logout();
  showAuth("");
});
ui.composer.addEventListener("submit", (e) => {
  e.preventDefault();
  send();
});
ui.input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    send();
  }
});
ui.bannerClose.addEventListener("click", () => {
  ui.banner.hidden = true;
});
ui.shareLocation.addEventListener("change", () => {
  if (ui.shareLocation.checked) {
    locator.enable((msg) => {
      ui.shareLocation.checked = false;
      locator.disable();
      view.notice(msg);
    });
  } else {
    locator.disable();
  }
});

if (session.loggedIn) void showChat();
else showAuth("");
