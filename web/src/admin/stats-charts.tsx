import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';
import type { Schemas } from '../api.js';
import { t } from '../i18n.js';

Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Legend,
  Tooltip,
);

type Stats = Schemas['MfaStatsDto'];
const percent = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

/** A chart on a canvas, rebuilt when its data changes; the tables beside it carry the same numbers for screen readers. */
function ChartCanvas(props: { label: string; data: unknown; build: (canvas: HTMLCanvasElement) => Chart }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = props.build(canvas.current!);
    return () => chart.destroy();
  }, [props.data, props.label]);
  return (
    <figure class="chart">
      <canvas ref={canvas} role="img" aria-label={props.label} />
      <figcaption>{props.label}</figcaption>
    </figure>
  );
}

export function StatsCharts(props: { stats: Stats }) {
  const { byDay, byCountry } = props.stats;
  const days = byDay.map((d) => d.day);
  return (
    <div class="charts">
      <ChartCanvas
        data={props.stats}
        label={`${t('deliveryRate')} / ${t('conversion')}`}
        build={(canvas) =>
          new Chart(canvas, {
            type: 'line',
            data: {
              labels: days,
              datasets: [
                {
                  label: t('deliveryRate'),
                  data: byDay.map((d) => percent(d.delivered, d.sent)),
                  borderColor: '#1d4ed8',
                  backgroundColor: '#1d4ed8',
                },
                {
                  label: t('conversion'),
                  data: byDay.map((d) => percent(d.verified, d.sent)),
                  borderColor: '#047857',
                  backgroundColor: '#047857',
                },
              ],
            },
            options: { animation: false, scales: { y: { min: 0 } } },
          })
        }
      />
      <ChartCanvas
        data={props.stats}
        label={t('volumeByCountry')}
        build={(canvas) =>
          new Chart(canvas, {
            type: 'bar',
            data: {
              labels: byCountry.map((c) => c.country),
              datasets: [
                { label: t('delivered'), data: byCountry.map((c) => c.delivered), backgroundColor: '#1d4ed8' },
                { label: t('failed'), data: byCountry.map((c) => c.failed), backgroundColor: '#b91c1c' },
              ],
            },
            options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
          })
        }
      />
    </div>
  );
}
