// The live dashboard. The overview (hero cards, breakdowns) comes from `watch_stats` on the
// agent socket: the server pushes a `stats` frame whenever it changes, at most once a second.
// Each change also refreshes the charts, the agent table and the online visitors (throttled),
// so nothing needs a reload. Every read names the browser's zone (tz) so days are local.
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { useConsole, useFrames } from "../app/context.js";
import { browserTimeZone, rangeFor, RANGES, alignSeries, totalMessages, overviewChanged } from "../lib/stats.js";
import { countryName, formatCount, formatDuration, formatPercent, formatMessageTime } from "../lib/format.js";
import { TimeChart } from "./time-chart.jsx";
import { BreakdownTable, AgentTable, OnlineVisitors } from "./dashboard-tables.jsx";

const METRICS = [
  ["messages", "Messages", "#2563eb"],
  ["conversations", "Conversations", "#16a34a"],
  ["widget_opens", "Widget opens", "#d97706"],
];
const REFRESH_MIN_MS = 3_000;

function HeroCard({ id, title, value, sub }) {
  return (
    <section class="hero-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <p class="hero-value">{value}</p>
      <p class="hero-sub">{sub}</p>
    </section>
  );
}

function Segmented({ label, value, options, onChange }) {
  return (
    <fieldset class="segmented">
      <legend class="visually-hidden">{label}</legend>
      {options.map(([v, text]) => (
        <label key={v} class={value === v ? "selected" : ""}>
          <input type="radio" name={label} value={v} checked={value === v} onChange={() => onChange(v)} />
          <span>{text}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function DashboardPage() {
  const { api, socket } = useConsole();
  const tz = useMemo(browserTimeZone, []);
  const [preset, setPreset] = useState("today");
  const [bucket, setBucket] = useState(RANGES.today.bucket);
  const range = useMemo(() => rangeFor(preset, Date.now(), tz, bucket), [preset, bucket, tz]);
  const [overview, setOverview] = useState(null);
  const [series, setSeries] = useState(null);
  const [agents, setAgents] = useState(null);
  const [online, setOnline] = useState(null);
  const [updated, setUpdated] = useState(null);
  const [error, setError] = useState("");
  const last = useRef({ overview: null, refreshedAt: 0, timer: 0 });

  const refresh = useCallback(async () => {
    last.current.refreshedAt = Date.now();
    const q = { from: range.from, tz };
    try {
      const [ts, ag, vis] = await Promise.all([
        Promise.all(METRICS.map(([metric]) => api.get("/stats/timeseries", { ...q, metric, bucket: range.bucket }))),
        api.get("/stats/agents", q),
        api.get("/visitors", { online: true, limit: 100 }),
      ]);
      setSeries(Object.fromEntries(METRICS.map(([metric], i) => [metric, ts[i].items])));
      setAgents(ag.items);
      setOnline(vis.items);
      setError("");
    } catch (e) {
      setError(e.message);
    }
  }, [api, range, tz]);

  // Coalesce refreshes: at most one per REFRESH_MIN_MS, the last change always honoured.
  const scheduleRefresh = useCallback(() => {
    const l = last.current;
    if (l.timer) return;
    const wait = Math.max(0, REFRESH_MIN_MS - (Date.now() - l.refreshedAt));
    l.timer = setTimeout(() => {
      l.timer = 0;
      refresh();
    }, wait);
  }, [refresh]);

  const apply = useCallback((next) => {
    if (!overviewChanged(last.current.overview, next)) return;
    const first = last.current.overview === null;
    last.current.overview = next;
    setOverview(next);
    setUpdated(Date.now());
    if (!first) scheduleRefresh();
  }, [scheduleRefresh]);

  useEffect(() => {
    last.current.overview = null;
    setSeries(null);
    socket.watchStats({ tz, from: range.from });
    api.get("/stats/overview", { from: range.from, tz }).then(apply, (e) => setError(e.message));
    refresh();
    return () => {
      socket.unwatchStats();
      clearTimeout(last.current.timer);
      last.current.timer = 0;
    };
  }, [range.from, range.bucket, tz]);

  useFrames((f) => {
    if (f.type === "stats" && f.from === range.from) apply(f.overview);
  });

  const chartData = useMemo(() => series && Object.fromEntries(METRICS.map(([m]) => [m, alignSeries([series[m]])])), [series]);
  const o = overview;
  const fr = o?.first_response_ms;
  return (
    <div class="dashboard">
      <div class="page-header">
        <h1>Dashboard</h1>
        <div class="dashboard-controls">
          <Segmented label="Range" value={preset} onChange={(p) => { setPreset(p); setBucket(RANGES[p].bucket); }}
            options={Object.entries(RANGES).map(([k, r]) => [k, r.label])} />
          <Segmented label="Chart buckets" value={bucket} onChange={setBucket} options={[["hour", "Hourly"], ["day", "Daily"]]} />
          <span class="live-note"><span class="dot online" aria-hidden="true" /> Live{updated ? ` · updated ${formatMessageTime(updated, Date.now())}` : ""}</span>
        </div>
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
      <div class="hero-grid">
        <HeroCard id="hero-visitors" title="Visitors today" value={formatCount(o?.visitors_today)} sub={!o ? "…" : preset === "today" ? "distinct visitors since midnight" : `${formatCount(o.visitors)} in the ${RANGES[preset].label.toLowerCase()}`} />
        <HeroCard id="hero-online" title="Online now" value={formatCount(o?.online_visitors)} sub="visitors on your sites" />
        <HeroCard id="hero-conversations" title="Conversations" value={formatCount(o?.conversations)} sub={o ? `${formatPercent(o.conversion_rate)} of visitors started one` : "…"} />
        <HeroCard id="hero-first-response" title="First response" value={formatDuration(fr?.p50)} sub={fr?.p90 != null ? `median · 90% within ${formatDuration(fr.p90)}` : "median"} />
      </div>
      <div class="stat-strip">
        <p><strong>{formatCount(totalMessages(o))}</strong> messages <small>({formatCount(o?.messages?.visitor)} visitor · {formatCount(o?.messages?.agent)} agent · {formatCount(o?.messages?.bot)} bot)</small></p>
        <p><strong>{formatCount(o?.widget_opens)}</strong> widget opens</p>
        <p><strong>{formatCount(o?.sessions)}</strong> sessions</p>
        <p><strong>{formatPercent(o?.conversion_rate)}</strong> conversion</p>
        <p><strong>{formatDuration(o?.resolution_ms?.p50)}</strong> median resolution</p>
      </div>
      <div class="chart-grid">
        {METRICS.map(([m, title, color]) => (
          <TimeChart key={`${m}-${range.bucket}`} id={`chart-${m}`} title={`${title} per ${range.bucket}`} bucket={range.bucket} color={color} data={chartData?.[m]} />
        ))}
      </div>
      <div class="table-grid">
        <BreakdownTable title="Conversations by channel" counts={o?.by_channel} keyLabel="Channel" valueLabel="Conversations" />
        <BreakdownTable title="Visitors by country" counts={o?.by_country} keyLabel="Country" valueLabel="Visitors" nameOf={countryName} />
        <OnlineVisitors items={online} now={Date.now()} />
        <AgentTable items={agents} />
      </div>
    </div>
  );
}
