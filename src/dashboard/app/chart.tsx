/**
 * A uPlot chart of one or more daily series, with the numbers also as a table for screen readers (a canvas
 * says nothing to them). Resizes with its container.
 */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: number[];
  color: string;
  bars?: boolean;
}

export function DailyChart(props: { title: string; days: string[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = props.days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
    const opts: uPlot.Options = {
      width: Math.max(240, el.clientWidth),
      height: props.height ?? 180,
      legend: { show: props.series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [{ stroke: '#333' }, { stroke: '#333', size: 50 }],
      series: [
        {},
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: s.bars ? s.color : `${s.color}22`,
          width: 2,
          ...(s.bars && bars ? { paths: bars, points: { show: false } } : {}),
        })),
      ],
    };
    const plot = new uPlot(opts, [xs, ...props.series.map((s) => s.values)], el);
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(240, el.clientWidth), height: opts.height }),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.days.join(), props.series.map((s) => s.values.join()).join('|')]);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} aria-hidden="true" />
      <table class="sr-only">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {props.series.map((s) => (
              <th scope="col" key={s.label}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.days.map((d, i) => (
            <tr key={d}>
              <th scope="row">{d}</th>
              {props.series.map((s) => (
                <td key={s.label}>{s.values[i]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Horizontal bars for shares (delivery success per destination), plain HTML: readable without a canvas. */
export function ShareBars(props: {
  title: string;
  rows: Array<{ label: string; value: number | null; note?: string }>;
}) {
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <ul class="bars">
        {props.rows.map((r) => (
          <li key={r.label}>
            <span class="bar-label">{r.label}</span>
            <span class="bar-track" aria-hidden="true">
              <span
                class={`bar-fill ${r.value === null ? '' : r.value >= 0.95 ? 'ok' : r.value >= 0.8 ? 'wait' : 'bad'}`}
                style={{ width: `${Math.round((r.value ?? 0) * 100)}%` }}
              />
            </span>
            <span class="bar-value">
              {r.value === null ? 'no deliveries yet' : `${(r.value * 100).toFixed(1)} %`}
            </span>
            {r.note && <span class="bar-note">{r.note}</span>}
          </li>
        ))}
      </ul>
    </figure>
  );
}
