/** One line of a chart: a name, a CSS class for its colour, and a value per bucket (null: no data). */
export interface Series {
  name: string;
  className: string;
  values: Array<number | null>;
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((candidate) => candidate * power >= value) ?? 10;
  return step * power;
}

function timeLabel(iso: string): string {
  const date = new Date(iso);
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`;
}

/**
 * A small SVG line chart over time buckets, drawn with attributes only (no inline styles, so
 * the page's Content-Security-Policy needs nothing extra). The figure's label says what it
 * shows in words for screen readers.
 */
export function TimeSeriesChart({
  title,
  times,
  series,
  unit,
  testId,
}: {
  title: string;
  times: string[];
  series: Series[];
  unit: string;
  testId: string;
}) {
  const max = niceMax(
    Math.max(0, ...series.flatMap((line) => line.values.filter((v): v is number => v !== null))),
  );
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + (times.length <= 1 ? 0 : (index / (times.length - 1)) * plotWidth);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const totals = series.map((line) => {
    const values = line.values.filter((v): v is number => v !== null);
    return `${line.name}: ${values.length === 0 ? "no data" : `max ${Math.max(...values)} ${unit}`}`;
  });
  const labelEvery = Math.max(1, Math.ceil(times.length / 6));
  return (
    <figure className="ts-chart" data-testid={testId}>
      <figcaption className="ts-caption">
        {title}
        <span className="ts-legend">
          {series.map((line) => (
            <span key={line.name} className={`ts-key ${line.className}`}>
              {line.name}
            </span>
          ))}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`${title}, ${times.length} buckets from ${times[0] ? timeLabel(times[0]) : "?"}: ${totals.join("; ")}.`}
      >
        {[0, 0.5, 1].map((share) => (
          <g key={share}>
            <line
              className="ts-grid"
              x1={PAD.left}
              x2={WIDTH - PAD.right}
              y1={y(max * share)}
              y2={y(max * share)}
            />
            <text className="ts-axis" x={PAD.left - 6} y={y(max * share) + 4} textAnchor="end">
              {Number.isInteger(max * share) ? max * share : (max * share).toFixed(1)}
            </text>
          </g>
        ))}
        {times.map((time, index) =>
          index % labelEvery === 0 ? (
            <text key={time} className="ts-axis" x={x(index)} y={HEIGHT - 6} textAnchor="middle">
              {timeLabel(time)}
            </text>
          ) : null,
        )}
        {series.map((line) => {
          // A gap in the data breaks the line rather than drawing it through zero.
          const segments: string[][] = [[]];
          line.values.forEach((value, index) => {
            if (value === null) segments.push([]);
            else segments.at(-1)!.push(`${x(index).toFixed(1)},${y(value).toFixed(1)}`);
          });
          return (
            <g key={line.name} className={`ts-series ${line.className}`}>
              {segments
                .filter((points) => points.length > 0)
                .map((points) =>
                  points.length === 1 ? (
                    <circle
                      key={points[0]}
                      cx={points[0]!.split(",")[0]}
                      cy={points[0]!.split(",")[1]}
                      r={2.5}
                    />
                  ) : (
                    <polyline key={points[0]} points={points.join(" ")} fill="none" />
                  ),
                )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
