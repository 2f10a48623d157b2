// A windowed list: only the rows in (and near) the viewport exist in the DOM, so a thousand
// conversations render as fast as twenty. Fixed row height; rows carry aria-setsize and
// aria-posinset so assistive technology still knows the list's length and each row's place.
import { useLayoutEffect, useRef, useState, useEffect } from "preact/hooks";

export function VirtualList({ items, rowHeight, renderRow, label, overscan = 6, onEndReached, emptyText }) {
  const scroller = useRef(null);
  const [viewport, setViewport] = useState({ top: 0, height: 800 });
  const frame = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    const measure = () => setViewport({ top: el.scrollTop, height: el.clientHeight || 800 });
    measure();
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(measure) : null;
    ro?.observe(el);
    return () => ro?.disconnect();
  }, []);

  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      const el = scroller.current;
      if (el) setViewport({ top: el.scrollTop, height: el.clientHeight });
    });
  };
  useEffect(() => () => cancelAnimationFrame(frame.current), []);

  const first = Math.max(0, Math.floor(viewport.top / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((viewport.top + viewport.height) / rowHeight) + overscan);

  useEffect(() => {
    if (onEndReached && items.length && last >= items.length - 1) onEndReached();
  }, [last, items.length, onEndReached]);

  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(renderRow(items[i], i, {
      style: { position: "absolute", top: `${i * rowHeight}px`, left: 0, right: 0, height: `${rowHeight}px` },
      "aria-setsize": items.length,
      "aria-posinset": i + 1,
    }));
  }
  return (
    <div class="virtual-scroller" ref={scroller} onScroll={onScroll}>
      {items.length === 0 && emptyText ? <p class="empty">{emptyText}</p> : null}
      <ul class="virtual-list" aria-label={label} style={{ height: `${items.length * rowHeight}px` }}>
        {rows}
      </ul>
    </div>
  );
}
