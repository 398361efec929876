// Voice on the chat page: a speak button on each of PAM's answers (server
// speech through /api/v1/voice/speak, the browser's own voice as a fallback)
// and a microphone button where the browser supports speech recognition.
import type { Session } from "./auth";

type SpeakState = "idle" | "loading" | "playing" | "error";

interface RecognitionResultEvent {
  results: ArrayLike<ArrayLike<{ transcript: string }>>;
}
interface Recognition {
  lang: string;
  interimResults: boolean;
  maxAlternatives: number;
  onresult: ((e: RecognitionResultEvent) => void) | null;
  onerror: ((e: { error?: string }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
}
type RecognitionCtor = new () => Recognition;

function recognitionCtor(): RecognitionCtor | null {
  const w = window as unknown as { SpeechRecognition?: RecognitionCtor; webkitSpeechRecognition?: RecognitionCtor };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition ?? null;
}

const maxSpeakChars = 2000;

export class Voice {
  private audio: HTMLAudioElement | null = null;
  private playingBtn: HTMLButtonElement | null = null;
  private objectURL = "";

  constructor(private session: Session) {}

  // attachSpeak gives a PAM answer bubble its speak button (once).
  attachSpeak(li: HTMLElement, text: string): void {
    let btn = li.querySelector<HTMLButtonElement>("button.speak-btn");
    if (!text.trim()) {
      btn?.remove();
      return;
    }
    if (!btn) {
      btn = document.createElement("button");
      btn.type = "button";
      btn.className = "speak-btn link";
      btn.textContent = "🔊";
      btn.setAttribute("aria-label", "Read this answer aloud");
      btn.title = "Read aloud";
      li.append(btn);
      btn.addEventListener("click", () => void this.toggle(btn!, li));
    }
    this.setState(btn, "idle");
  }

  private setState(btn: HTMLButtonElement, s: SpeakState, detail = ""): void {
    btn.dataset.state = s;
    btn.setAttribute("aria-pressed", s === "playing" ? "true" : "false");
    btn.title = detail || (s === "playing" ? "Stop reading" : s === "loading" ? "Preparing audio…" : "Read aloud");
  }

  private stop(): void {
    if (this.audio) {
      this.audio.pause();
      this.audio = null;
    }
    if (this.objectURL) {
      URL.revokeObjectURL(this.objectURL);
      this.objectURL = "";
    }
    if ("speechSynthesis" in window) window.speechSynthesis.cancel();
    if (this.playingBtn) this.setState(this.playingBtn, "idle");
    this.playingBtn = null;
  }

  private async toggle(btn: HTMLButtonElement, li: HTMLElement): Promise<void> {
    if (this.playingBtn === btn) {
      this.stop();
      return;
    }
    this.stop();
    const text = (li.querySelector(".text")?.textContent ?? "").slice(0, maxSpeakChars);
    if (!text.trim()) return;
    this.playingBtn = btn;
    this.setState(btn, "loading");
    try {
      const res = await fetch("/api/v1/voice/speak", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${await this.session.token()}` },
        body: JSON.stringify({ text, format: "wav" }),
      });
      const type = res.headers.get("Content-Type") ?? "";
      if (!res.ok || !type.startsWith("audio/")) throw new Error(`speech unavailable (${res.status})`);
      const blob = await res.blob();
      if (blob.size === 0) throw new Error("empty audio");
      if (this.playingBtn !== btn) return; // stopped while loading
      btn.dataset.engine = res.headers.get("X-Voice-Engine") ?? "";
      this.objectURL = URL.createObjectURL(blob);
      this.audio = new Audio(this.objectURL);
      this.audio.onended = () => this.stop();
      this.setState(btn, "playing");
      await this.audio.play();
    } catch (err) {
      if (this.playingBtn !== btn) return;
      // The server cannot speak (or the browser will not play): the browser's own voice.
      if ("speechSynthesis" in window) {
        btn.dataset.engine = "browser";
        const u = new SpeechSynthesisUtterance(text);
        u.onend = () => this.stop();
        this.setState(btn, "playing");
        window.speechSynthesis.speak(u);
        return;
      }
      this.playingBtn = null;
      this.setState(btn, "error", `Could not read this aloud: ${(err as Error).message}`);
    }
  }

  // attachMic shows the microphone button only where the browser can recognise
  // speech; what is heard is put into the message box for the user to send.
  attachMic(btn: HTMLButtonElement, input: HTMLTextAreaElement, lang: string): void {
    const Ctor = recognitionCtor();
    if (!Ctor) {
      btn.hidden = true;
      return;
    }
    btn.hidden = false;
    let rec: Recognition | null = null;
    btn.addEventListener("click", () => {
      if (rec) {
        rec.stop();
        return;
      }
      rec = new Ctor();
      rec.lang = lang;
      rec.interimResults = false;
      rec.maxAlternatives = 1;
      btn.dataset.state = "listening";
      btn.setAttribute("aria-pressed", "true");
      rec.onresult = (e) => {
        const heard = Array.from(e.results).map((r) => r[0]?.transcript ?? "").join(" ").trim();
        if (heard) {
          input.value = input.value ? `${input.value} ${heard}` : heard;
          input.focus();
        }
      };
      rec.onerror = (e) => {
        btn.title = `Microphone: ${e.error ?? "error"}`;
      };
      rec.onend = () => {
        rec = null;
        btn.dataset.state = "idle";
        btn.setAttribute("aria-pressed", "false");
      };
      try {
        rec.start();
      } catch {
        rec = null;
        btn.dataset.state = "idle";
        btn.setAttribute("aria-pressed", "false");
      }
    });
  }
}
