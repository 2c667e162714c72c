import type { TPopularityReportParameters } from "@reports/contracts";

const NUMBER = new Intl.NumberFormat("en");
const RELATIVE = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function formatNumber(value: number): string {
  return NUMBER.format(value);
}

/** "just now", "3 minutes ago", "yesterday": how old something is. */
export function formatAge(iso: string, now: number): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return "just now";
  if (abs < 45 * 60) return RELATIVE.format(Math.round(seconds / 60), "minute");
  if (abs < 22 * 3600) return RELATIVE.format(Math.round(seconds / 3600), "hour");
  return RELATIVE.format(Math.round(seconds / 86_400), "day");
}

/** "0:07", "12:30", "1:02:03": elapsed time, ticking. */
export function formatElapsed(fromIso: string, now: number): string {
  const total = Math.max(0, Math.floor((now - Date.parse(fromIso)) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** How long something took: "0.4 s", "12.0 s", then "1:05" style. */
export function formatDuration(fromIso: string, toIso: string): string {
  const ms = Math.max(0, Date.parse(toIso) - Date.parse(fromIso));
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatElapsed(fromIso, Date.parse(toIso));
}

/** "12 KB": file sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${NUMBER.format(Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The parameters in words: "All genres · all time · ≥ 10 ratings · all albums". */
export function summariseParameters(parameters: Partial<TPopularityReportParameters>): string {
  const parts: string[] = [];
  parts.push(parameters.genre ? parameters.genre : "All genres");
  if (parameters.from && parameters.to) parts.push(`${parameters.from} to ${parameters.to}`);
  else if (parameters.from) parts.push(`from ${parameters.from}`);
  else if (parameters.to) parts.push(`before ${parameters.to}`);
  else parts.push("all time");
  parts.push(`≥ ${formatNumber(parameters.minRatings ?? 10)} ratings`);
  parts.push(parameters.limit ? `top ${formatNumber(parameters.limit)}` : "all albums");
  return parts.join(" · ");
}
