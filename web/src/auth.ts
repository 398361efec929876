// Session: access/refresh tokens kept in localStorage, refreshed before expiry or after
// a 401, one refresh at a time across tabs (a reused refresh token revokes its family).
import type { AuthResponse, AuthUser } from "./protocol";
import * as storage from "./storage";

const key = "pam.session";
const refreshMarginMs = 30_000;

interface Stored {
  user: AuthUser;
  access_token: string;
  refresh_token: string;
  expires_at: number; // ms since epoch
}

// ApiError is a failed REST call with the contract's error code.
export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public retryAfterMs = 0,
  ) {
    super(message);
  }
}

async function errorFrom(res: Response): Promise<ApiError> {
  let code = "INTERNAL";
  let message = `HTTP ${res.status}`;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON
  }
  const ra = Number(res.headers.get("Retry-After"));
  return new ApiError(res.status, code, message, Number.isFinite(ra) && ra > 0 ? ra * 1000 : 0);
}

export class Session {
  private s: Stored | null = storage.load<Stored>(key);
  private refreshing: Promise<void> | null = null;
  private timer: number | undefined;
  // onToken is called with each new access token (the WebSocket sends it in-band).
  onToken: (token: string) => void = () => {};
  // onExpired is called when the session cannot be refreshed any more.
  onExpired: () => void = () => {};

  constructor() {
    this.schedule();
  }

  get user(): AuthUser | null {
    return this.s?.user ?? null;
  }

  get loggedIn(): boolean {
    return this.s !== null;
  }

  async login(email: string, password: string): Promise<void> {
    await this.authenticate("/api/v1/auth/login", { email, password });
  }

  async register(email: string, password: string, displayName: string): Promise<void> {
    const body: Record<string, string> = { email, password };
    if (displayName) body.display_name = displayName;
    await this.authenticate("/api/v1/auth/register", body);
  }

  async logout(): Promise<void> {
    const s = this.s;
    this.clear();
    if (!s) return;
    try {
      await fetch("/api/v1/auth/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${s.access_token}` },
        body: JSON.stringify({ refresh_token: s.refresh_token }),
      });
    } catch {
      // Offline: the tokens are forgotten locally and expire on their own.
    }
  }

  // token returns a fresh access token, refreshing first when it expires soon.
  async token(): Promise<string> {
    if (!this.s) throw new ApiError(401, "UNAUTHENTICATED", "not logged in");
    if (this.s.expires_at - Date.now() < refreshMarginMs) await this.refresh();
    if (!this.s) throw new ApiError(401, "UNAUTHENTICATED", "session expired");
    return this.s.access_token;
  }

  // fetchJSON calls an authenticated /api/v1 route; a 401 refreshes once and retries.
  async fetchJSON<T>(path: string, init: RequestInit = {}, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init.headers);
      headers.set("Authorization", `Bearer ${await this.token()}`);
      if (init.body !== undefined) headers.set("Content-Type", "application/json");
      const res = await fetch(path, { ...init, headers, signal });
      if (res.status === 401 && attempt === 0) {
        await this.refresh();
        continue;
      }
      if (!res.ok) throw await errorFrom(res);
      return (await res.json()) as T;
    }
  }

  // refresh rotates the token pair; concurrent callers share one request.
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.refreshLocked().finally(() => {
        this.refreshing = null;
      });
    }
    return this.refreshing;
  }

  private async refreshLocked(): Promise<void> {
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    if (locks) {
      await locks.request("pam-refresh", () => this.doRefresh());
    } else {
      await this.doRefresh();
    }
  }

  private async doRefresh(): Promise<void> {
    const before = this.s;
    // Another tab may have rotated the pair already: adopt it instead of reusing ours.
    const stored = storage.load<Stored>(key);
    if (stored && before && stored.refresh_token !== before.refresh_token && stored.expires_at - Date.now() > refreshMarginMs) {
      this.s = stored;
      this.schedule();
      this.onToken(stored.access_token);
      return;
    }
    if (!before) throw new ApiError(401, "UNAUTHENTICATED", "not logged in");
    let res: Response;
    try {
      res = await fetch("/api/v1/auth/refresh", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: before.refresh_token }),
      });
    } catch (e) {
      this.schedule(5_000);
      throw e; // offline: keep the session, try again later
    }
    if (res.status === 401 || res.status === 403) {
      this.clear();
      this.onExpired();
      throw await errorFrom(res);
    }
    if (!res.ok) {
      this.schedule(5_000);
      throw await errorFrom(res);
    }
    this.store((await res.json()) as AuthResponse);
  }

  private async authenticate(path: string, body: Record<string, string>): Promise<void> {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw await errorFrom(res);
    this.store((await res.json()) as AuthResponse);
  }

  private store(r: AuthResponse): void {
    const expiresIn = Number(r.expires_in) > 0 ? Number(r.expires_in) : 900;
    this.s = {
      user: r.user,
      access_token: r.access_token,
      refresh_token: r.refresh_token,
      expires_at: Date.now() + expiresIn * 1000,
    };
    storage.save(key, this.s);
    this.schedule();
    this.onToken(r.access_token);
  }

  private clear(): void {
    this.s = null;
    storage.remove(key);
    window.clearTimeout(this.timer);
  }

  // schedule arms the proactive refresh shortly before the access token expires.
  private schedule(afterMs?: number): void {
    window.clearTimeout(this.timer);
    if (!this.s) return;
    const due = afterMs ?? Math.max(this.s.expires_at - Date.now() - refreshMarginMs, 1_000);
    this.timer = window.setTimeout(() => {
      this.refresh().catch(() => {});
    }, due);
  }
}
