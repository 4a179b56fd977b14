/** Display formats shared by every view. */
import type { MixPlan, Segment } from "@/lib/types";

/** 83.4 → "1:23"; 3725 → "1:02:05". */
export function formatClock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–:––";
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["kB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value >= 10 ? 0 : 1)} ${units[unit]}`;
}

export function formatNumber(value: number | null | undefined, digits = 1, unit = ""): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value.toFixed(digits)}${unit ? ` ${unit}` : ""}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** "124 BPM", or a tempo journey's range "85–138 BPM (journey)": segments with their own tempo. */
export function tempoText(plan: { target: Pick<MixPlan["target"], "bpm">; segments: readonly Pick<Segment, "bpm">[] }): string {
  const tempi = plan.segments.map((segment) => segment.bpm ?? plan.target.bpm);
  const [low, high] = [Math.min(...tempi), Math.max(...tempi)];
  if (!tempi.length || low === high) return `${Math.round(tempi[0] ?? plan.target.bpm)} BPM`;
  return `${Math.round(low)}–${Math.round(high)} BPM (journey)`;
}
