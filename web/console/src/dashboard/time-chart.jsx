// A bar chart over time with uPlot (canvas): one series, hour or day buckets, sized to its box.
// The figure's caption and a text summary (total, peak) give the same facts to screen readers.
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { formatCount } from "../lib/format.js";

function axisFormat(bucket) {
  const hour = new Intl.DateTimeFormat(undefined, { hour: "numeric" });
  const dayHour = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short", hour: "numeric" });
  const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
  return (_u, splits) => {
    // hours over several days need the day too
    const fmt = bucket === "day" ? day : splits.length && splits[splits.length - 1] - splits[0] > 36 * 3600 ? dayHour : hour;
    return splits.map((s) => fmt.format(s * 1000));
  };
}

function summary(xs, ys, bucket) {
  if (!ys?.length) return "No data in this range.";
  const total = ys.reduce((a, b) => a + b, 0);
  let peak = 0;
  for (let i = 1; i < ys.length; i++) if (ys[i] > ys[peak]) peak = i;
  const when = new Intl.DateTimeFormat(undefined, bucket === "day" ? { day: "numeric", month: "short" } : { hour: "2-digit", minute: "2-digit" }).format(xs[peak] * 1000);
  return `Total ${formatCount(total)}; busiest ${when} with ${formatCount(ys[peak])}.`;
}

export function TimeChart({ id, title, data, bucket, color }) {
  const box = useRef(null);
  const plot = useRef(null);
  const [xs, ys] = data ?? [[], []];

  useEffect(() => {
    const el = box.current;
    const opts = {
      width: el.clientWidth || 400,
      height: 180,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.15))] } },
      axes: [
        { values: axisFormat(bucket), space: 56, stroke: "#5b6675", grid: { show: false }, ticks: { stroke: "#e2e8f0" } },
        { stroke: "#5b6675", grid: { stroke: "#eef2f7" }, ticks: { show: false }, size: 40, values: (_u, s) => s.map((v) => (Number.isInteger(v) ? formatCount(v) : "")) },
      ],
      series: [{}, { label: title, stroke: color, fill: `${color}33`, width: 1, paths: uPlot.paths.bars({ size: [0.7, 48], align: 0 }), points: { show: false } }],
    };
    plot.current = new uPlot(opts, [xs, ys], el);
    const ro = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height: 180 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [bucket, color, title]);

  useEffect(() => {
    plot.current?.setData([xs, ys]);
  }, [data]);

  return (
    <figure class="chart" aria-labelledby={`${id}-title`} aria-describedby={`${id}-summary`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div ref={box} class="chart-canvas" aria-hidden="true" />
      <p id={`${id}-summary`} class="chart-summary">{data ? summary(xs, ys, bucket) : "Loading…"}</p>
    </figure>
  );
}
