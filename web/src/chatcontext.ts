// The chat context sent with each message: time zone, locale and, when the user allows
// it, location. validateContext keeps only well-formed fields, so a bad browser value
// never turns a message into an INVALID_INPUT.
import type { ChatContext, GeoContext } from "./protocol";

const tzPattern = /^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/;
const localePattern = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

export interface Validated {
  context: ChatContext;
  dropped: string[]; // the fields that were removed, with why
}

function finiteIn(v: unknown, min: number, max: number): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= min && v <= max;
}

// validateContext returns the valid part of raw and the names of dropped fields.
export function validateContext(raw: unknown): Validated {
  const out: ChatContext = {};
  const dropped: string[] = [];
  if (typeof raw !== "object" || raw === null) return { context: out, dropped: raw === undefined ? [] : ["context: not an object"] };
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (k !== "timezone" && k !== "locale" && k !== "location") dropped.push(`${k}: unknown field`);
  }
  if (r.timezone !== undefined) {
    if (typeof r.timezone === "string" && r.timezone.length <= 64 && tzPattern.test(r.timezone)) out.timezone = r.timezone;
    else dropped.push("timezone: not an IANA zone name");
  }
  if (r.locale !== undefined) {
    if (typeof r.locale === "string" && r.locale.length <= 35 && localePattern.test(r.locale)) out.locale = r.locale;
    else dropped.push("locale: not a BCP 47 tag");
  }
  if (r.location !== undefined) {
    const loc = r.location as Record<string, unknown> | null;
    if (typeof loc !== "object" || loc === null || !finiteIn(loc.lat, -90, 90) || !finiteIn(loc.lng, -180, 180)) {
      dropped.push("location: lat/lng missing or out of range");
    } else {
      const g: GeoContext = { lat: loc.lat as number, lng: loc.lng as number };
      if (loc.accuracy_m !== undefined) {
        if (finiteIn(loc.accuracy_m, 0, 1e7)) g.accuracy_m = loc.accuracy_m as number;
        else dropped.push("location.accuracy_m: not a non-negative number");
      }
      if (loc.timestamp !== undefined) {
        if (typeof loc.timestamp === "string" && !Number.isNaN(Date.parse(loc.timestamp))) g.timestamp = loc.timestamp;
        else dropped.push("location.timestamp: not a date");
      }
      out.location = g;
    }
  }
  return { context: out, dropped };
}

// isDev reports whether the page runs on a developer's machine, where warnings help.
export function isDev(): boolean {
  const h = location.hostname;
  return h === "localhost" || h === "127.0.0.1" || h === "[::1]" || h.endsWith(".localhost");
}

// Locator follows the device position while the user allows it.
export class Locator {
  private last: GeoContext | null = null;
  private watch: number | null = null;

  enable(onError: (msg: string) => void): void {
    if (this.watch !== null || !("geolocation" in navigator)) {
      if (!("geolocation" in navigator)) onError("Location is not available in this browser.");
      return;
    }
    this.watch = navigator.geolocation.watchPosition(
      (p) => {
        this.last = {
          lat: p.coords.latitude,
          lng: p.coords.longitude,
          accuracy_m: p.coords.accuracy,
          timestamp: new Date(p.timestamp).toISOString(),
        };
      },
      (e) => onError(e.code === e.PERMISSION_DENIED ? "Location permission was denied." : "Location is unavailable right now."),
      { enableHighAccuracy: false, maximumAge: 300_000, timeout: 20_000 },
    );
  }

  disable(): void {
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch);
    this.watch = null;
    this.last = null;
  }

  get position(): GeoContext | null {
    return this.last;
  }
}

// currentContext assembles and validates the context for one message.
export function currentContext(loc: GeoContext | null): ChatContext {
  const raw: Record<string, unknown> = {};
  try {
    raw.timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    // no Intl time zone support
  }
  raw.locale = navigator.language;
  if (loc) raw.location = loc;
  const { context, dropped } = validateContext(raw);
  if (dropped.length > 0 && isDev()) console.warn("PAM: dropped invalid chat context fields:", dropped);
  return context;
}
