/** Loudness-matched A/B: play two versions at the same perceived level. */

export interface Volumes {
  original: number;
  fixed: number;
}

/**
 * Element volumes (0..1) that bring both versions to the quieter one's loudness: the louder is
 * turned down by the difference of their integrated loudness (LUFS), the quieter stays at 1.
 * Without both measurements nothing is changed.
 */
export function matchedVolumes(originalLufs: number | null | undefined, fixedLufs: number | null | undefined): Volumes {
  if (originalLufs == null || fixedLufs == null || !Number.isFinite(originalLufs) || !Number.isFinite(fixedLufs)) {
    return { original: 1, fixed: 1 };
  }
  const difference = fixedLufs - originalLufs;
  const down = (db: number) => Math.min(1, 10 ** (-db / 20));
  return difference > 0 ? { original: 1, fixed: down(difference) } : { original: down(-difference), fixed: 1 };
}

/** A fix object as one line of settings (the same words the PDF uses). */
export function fixText(fix: { kind: string; [key: string]: unknown }): string {
  const n = (value: unknown) => (typeof value === "number" ? String(Number(value.toFixed(2))) : String(value));
  const signed = (value: unknown) => (typeof value === "number" && value > 0 ? `+${n(value)}` : n(value));
  const hz = (value: unknown) =>
    typeof value === "number" && value >= 1000 ? `${n(Number((value / 1000).toFixed(2)))} kHz` : `${n(value)} Hz`;
  switch (fix.kind) {
    case "eq": {
      const names: Record<string, string> = { bell: "bell", high_shelf: "high shelf", low_shelf: "low shelf" };
      const q = fix.q !== undefined ? `, Q ${n(fix.q)}` : "";
      return `${names[String(fix.filter)] ?? String(fix.filter)} ${hz(fix.freq_hz)} ${signed(fix.gain_db)} dB${q}`;
    }
    case "limiter":
      return `true-peak limiter, ceiling ${n(fix.ceiling_dbtp)} dBTP, input gain ${signed(fix.input_gain_db)} dB`;
    case "compressor":
      return `compressor ${n(fix.ratio)}:1, threshold ${n(fix.threshold_db)} dB, attack ${n(fix.attack_ms)} ms, release ${n(fix.release_ms)} ms`;
    case "stereo":
      return [
        fix.mono_below_hz !== undefined ? `mono below ${hz(fix.mono_below_hz)}` : "",
        fix.width_percent !== undefined ? `width ${n(fix.width_percent)} %` : "",
      ]
        .filter(Boolean)
        .join(", ");
    case "de_esser":
      return `de-esser at ${hz(fix.freq_hz)}, up to ${n(fix.range_db)} dB`;
    case "gate":
      return `gate or noise reduction, threshold ${n(fix.threshold_db)} dBFS`;
    case "gain":
      return `gain ${signed(fix.gain_db)} dB on the ${String(fix.where)}`;
    case "transient_shaper":
      return `transient shaper, attack ${signed(fix.attack_db)} dB`;
    default:
      return typeof fix.action === "string" ? fix.action : String(fix.kind);
  }
}
