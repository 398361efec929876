// Thinking indicator of the hardening plan: "PAM is thinking…" after 2 s without output,
// "still working…" at 5 s. Output (a delta or tool frame) restarts the clock.

export const thinkingAfterMs = 2_000;
export const stillWorkingAfterMs = 5_000;

export class Thinking {
  private pending = new Set<string>();
  private timers: number[] = [];

  constructor(private el: HTMLElement) {}

  // start marks a message as waiting for its answer.
  start(id: string): void {
    if (this.pending.has(id)) return;
    this.pending.add(id);
    if (this.pending.size === 1) this.arm();
  }

  // output records visible progress: hide the indicator and start counting again.
  output(): void {
    if (this.pending.size > 0) this.arm();
  }

  // done marks a message as answered (or failed).
  done(id: string): void {
    if (!this.pending.delete(id)) return;
    if (this.pending.size === 0) this.reset();
    else this.arm();
  }

  reset(): void {
    this.pending.clear();
    this.clear();
    this.show("");
  }

  private arm(): void {
    this.clear();
    this.show("");
    this.timers.push(
      window.setTimeout(() => this.show("PAM is thinking…"), thinkingAfterMs),
      window.setTimeout(() => this.show("PAM is still working on it…"), stillWorkingAfterMs),
    );
  }

  private clear(): void {
    for (const t of this.timers) window.clearTimeout(t);
    this.timers = [];
  }

  private show(text: string): void {
    this.el.textContent = text;
    this.el.hidden = text === "";
  }
}
