// The dashboard's tables: a breakdown (channels, countries) with share bars, the per-agent
// table and the live list of online visitors.
import { breakdownRows, agentRows } from "../lib/stats.js";
import { countryName, formatCount, formatDuration, formatPercent, formatAge, visitorDisplayName } from "../lib/format.js";

export function BreakdownTable({ title, counts, keyLabel, valueLabel, nameOf = (k) => k }) {
  const rows = breakdownRows(counts);
  return (
    <div class="panel">
      <table class="data-table">
        <caption>{title}</caption>
        <thead><tr><th scope="col">{keyLabel}</th><th scope="col" class="num">{valueLabel}</th><th scope="col">Share</th></tr></thead>
        <tbody>
          {rows.length === 0 && <tr><td colSpan={3} class="empty">Nothing yet in this range.</td></tr>}
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{nameOf(r.key)}</th>
              <td class="num">{formatCount(r.value)}</td>
              <td><span class="share"><span class="share-bar" style={{ width: `${Math.round(r.share * 100)}%` }} />{formatPercent(r.share)}</span></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AgentTable({ items }) {
  const rows = agentRows(items);
  return (
    <div class="panel wide">
      <table class="data-table">
        <caption>Agents</caption>
        <thead>
          <tr>
            <th scope="col">Agent</th><th scope="col" class="num">Conversations</th><th scope="col" class="num">Messages</th>
            <th scope="col" class="num">First response (median)</th><th scope="col" class="num">Resolution (median)</th>
          </tr>
        </thead>
        <tbody>
          {items === null && <tr><td colSpan={5} class="empty">Loading…</td></tr>}
          {items !== null && rows.length === 0 && <tr><td colSpan={5} class="empty">No agent activity in this range.</td></tr>}
          {rows.map((a) => (
            <tr key={a.user_id}>
              <th scope="row">{a.name}</th>
              <td class="num">{formatCount(a.conversations)}</td>
              <td class="num">{formatCount(a.messages)}</td>
              <td class="num">{formatDuration(a.first_response_ms?.p50)}</td>
              <td class="num">{formatDuration(a.resolution_ms?.p50)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OnlineVisitors({ items, now }) {
  return (
    <section class="panel" aria-labelledby="online-visitors-title">
      <h2 id="online-visitors-title" class="panel-heading">Online visitors {items ? `(${items.length})` : ""}</h2>
      {items === null ? <p class="empty">Loading…</p> : items.length === 0 ? <p class="empty">Nobody on your sites right now.</p> : (
        <ul class="online-list">
          {items.map((v) => (
            <li key={v.id}>
              <span class="dot online" aria-hidden="true" />
              <span class="online-name">{visitorDisplayName(v)}</span>
              <span class="online-age">{formatAge(v.last_seen_ts, now)}</span>
              <span class="online-where">{[v.city, countryName(v.country)].filter(Boolean).join(", ")}{v.page_url ? ` · ${v.page_url}` : ""}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
