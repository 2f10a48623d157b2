// Dashboard arithmetic: time ranges in the browser's zone, the series the charts draw, and the
// breakdown tables. Pure functions of their arguments (the zone is passed in).

export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function zonedParts(ts, timeZone) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  }).formatToParts(ts);
  const get = (t) => Number(parts.find((p) => p.type === t).value);
  return { y: get("year"), m: get("month"), d: get("day"), h: get("hour"), min: get("minute"), s: get("second") };
}

/** The zone's offset from UTC at `ts`, in ms (positive east of Greenwich). */
export function zoneOffsetMs(ts, timeZone) {
  const p = zonedParts(ts, timeZone);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return asUtc - Math.floor(ts / 1000) * 1000;
}

/** The instant of local midnight `daysBack` days before the local day containing `now`. */
export function localMidnight(now, timeZone, daysBack = 0) {
  const p = zonedParts(now, timeZone);
  const wall = Date.UTC(p.y, p.m - 1, p.d - daysBack);
  let guess = wall - zoneOffsetMs(wall, timeZone);
  guess = wall - zoneOffsetMs(guess, timeZone);  // second pass settles DST transitions
  return guess;
}

export const RANGES = {
  today: { label: "Today", days: 1, bucket: "hour" },
  "7d": { label: "Last 7 days", days: 7, bucket: "day" },
  "30d": { label: "Last 30 days", days: 30, bucket: "day" },
};

/** {from, to, bucket} for a range preset; `to` null means "up to now" (the server's default). */
export function rangeFor(preset, now, timeZone, bucket) {
  const r = RANGES[preset] ?? RANGES.today;
  return { from: localMidnight(now, timeZone, r.days - 1), to: null, bucket: bucket ?? r.bucket };
}

/**
 * uPlot's column data: [x seconds, ...one array per series], aligned on the union of bucket
 * starts (the server already fills empty buckets with 0; a series missing a bucket gets 0).
 */
export function alignSeries(seriesList) {
  const xs = [...new Set(seriesList.flatMap((s) => s.map((p) => p.ts)))].sort((a, b) => a - b);
  const index = new Map(xs.map((ts, i) => [ts, i]));
  const columns = seriesList.map((s) => {
    const col = new Array(xs.length).fill(0);
    for (const p of s) col[index.get(p.ts)] = p.value;
    return col;
  });
  return [xs.map((ts) => ts / 1000), ...columns];
}

/** A breakdown ({web: 3, ...}) as rows sorted by count, each with its share of the total. */
export function breakdownRows(counts) {
  const entries = Object.entries(counts ?? {});
  const total = entries.reduce((sum, [, v]) => sum + v, 0);
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, value]) => ({ key, value, share: total ? value / total : 0 }));
}

export function totalMessages(overview) {
  const m = overview?.messages ?? {};
  return (m.visitor ?? 0) + (m.agent ?? 0) + (m.bot ?? 0);
}

/** Per-agent rows sorted by conversations handled, then name. */
export function agentRows(items) {
  return [...(items ?? [])].sort((a, b) => b.conversations - a.conversations || String(a.name).localeCompare(String(b.name)));
}

/** True when a new overview differs from the last one in a way the charts or tables show. */
export function overviewChanged(prev, next) {
  return JSON.stringify(prev ?? null) !== JSON.stringify(next ?? null);
}
