// The expense list beside the chat: GET /api/v1/expenses, reloaded after answers.
import type { Session } from "./auth";
import type { Expense, Money, Page } from "./protocol";

const symbols: Record<string, string> = { USD: "$", CAD: "CA$", AUD: "A$", NZD: "NZ$", EUR: "€", GBP: "£" };

// formatMoney renders a decimal string amount without converting it to a float.
export function formatMoney(m: Money): string {
  const raw = String(m.amount ?? "");
  const neg = raw.startsWith("-");
  const digits = neg ? raw.slice(1) : raw;
  const sym = symbols[m.currency] ?? `${m.currency} `;
  return `${neg ? "-" : ""}${sym}${digits}`;
}

export class ExpenseList {
  private timer: number | undefined;
  private loading: Promise<void> | null = null;
  private again = false;

  constructor(
    private list: HTMLElement,
    private session: Session,
  ) {}

  // reload fetches the list soon, coalescing bursts of requests into one.
  reload(delayMs = 150): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.load(), delayMs);
  }

  async load(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = this.fetchAndRender().finally(() => {
      this.loading = null;
      if (this.again) {
        this.again = false;
        void this.load();
      }
    });
    return this.loading;
  }

  clear(): void {
    window.clearTimeout(this.timer);
    this.list.replaceChildren();
  }

  private async fetchAndRender(): Promise<void> {
    let page: Page<Expense>;
    try {
      page = await this.session.fetchJSON<Page<Expense>>("/api/v1/expenses?limit=50");
    } catch {
      this.list.dataset.state = "error";
      return; // keep what is shown; the next answer reloads again
    }
    this.list.dataset.state = "loaded";
    const items = Array.isArray(page.items) ? page.items : [];
    if (items.length === 0) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = "No expenses yet. Tell PAM what you spent.";
      this.list.replaceChildren(li);
      return;
    }
    this.list.replaceChildren(...items.map(row));
  }
}

function row(e: Expense): HTMLElement {
  const li = document.createElement("li");
  li.className = "expense";
  li.dataset.id = e.id;
  const what = document.createElement("span");
  what.className = "what";
  what.textContent = e.merchant ? `${e.merchant} · ${e.category}` : e.category;
  const date = document.createElement("span");
  date.className = "date";
  date.textContent = e.date;
  const amount = document.createElement("span");
  amount.className = "amount";
  amount.textContent = formatMoney(e.amount);
  li.append(what, amount, date);
  return li;
}
