/* Times from the server (ISO 8601 strings). Pure functions. */

/** Milliseconds since the epoch, or null for nothing or garbage. */
export function parseTime(iso) {
  if (!iso) return null;
  const t = Date.parse(iso);
  return isNaN(t) ? null : t;
}

/** Seconds from ``iso`` to ``now`` (ms), never negative; null without a time. */
export function secondsSince(iso, now) {
  const t = parseTime(iso);
  return t === null ? null : Math.max(0, (now - t) / 1000);
}
