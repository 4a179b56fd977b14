import { useRef, useState, type ReactNode, type RefObject } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";

import { AudioPlayer } from "@/components/AudioPlayer";
import { useConfirm } from "@/components/ConfirmDialog";
import { ErrorNotice } from "@/components/ErrorNotice";
import { Waveform } from "@/components/Waveform";
import { ApiError } from "@/lib/api-client";
import { formatClock, formatDate, formatNumber } from "@/lib/format";
import type { Track, TrackAnalysis } from "@/lib/types";

import { useDeleteTrack, usePeaks, useTrack } from "../api/tracks";
import {
  formatBpm,
  formatConfidence,
  formatKey,
  isUncertain,
  formatLevel,
  formatMeter,
  formatShare,
  sectionLabel,
  statusText,
  statusTone,
} from "../lib/format";
import { hasSpectralData } from "../lib/spectral";
import { CamelotBadge } from "./CamelotBadge";
import { EnergySparkline } from "./EnergySparkline";
import { SpectralBalanceChart } from "./SpectralBalanceChart";
import { TrackMetaForm } from "./TrackMetaForm";
import "../library.css";

/** One track: player, waveform with sections, every analysis figure. */
export function TrackDetailPage() {
  const { trackId = "" } = useParams();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? "";
  const back = `/library${from}`;
  const query = useTrack(trackId);

  if (query.isPending) {
    return (
      <section className="page track-detail" data-testid="track-detail" aria-busy="true">
        <BackLink to={back} />
        <p className="muted">Loading the track…</p>
      </section>
    );
  }
  if (query.isError) {
    const missing = query.error instanceof ApiError && query.error.status === 404;
    return (
      <section className="page track-detail" data-testid="track-detail">
        <BackLink to={back} />
        {missing ? (
          <div className="empty-state card" data-testid="track-not-found">
            <h1>Track not found</h1>
            <p className="muted">It may have been deleted, or the link is wrong.</p>
            <Link className="button" to="/library">
              Back to the library
            </Link>
          </div>
        ) : (
          <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />
        )}
      </section>
    );
  }
  return <TrackDetail track={query.data} back={back} refetch={query.refetch} />;
}

function BackLink({ to }: { to: string }) {
  return (
    <Link className="back-link" to={to}>
      ← Library
    </Link>
  );
}

function TrackDetail({ track, back, refetch }: { track: Track; back: string; refetch: () => Promise<{ data?: Track }> }) {
  const navigate = useNavigate();
  const remove = useDeleteTrack();
  const ready = track.status === "ready";
  const analysis = ready ? track.analysis : null;
  const duration = track.duration_s ?? analysis?.duration_s ?? 0;

  const audio = useRef<HTMLAudioElement>(null);
  const [position, setPosition] = useState(0);
  const seek = (seconds: number, play = false) => {
    const element = audio.current;
    if (!element) return;
    element.currentTime = Math.max(0, seconds);
    setPosition(element.currentTime);
    if (play) void element.play().catch(() => undefined);
  };

  const { confirm, dialog } = useConfirm();
  const deleteTrack = async () => {
    const sure = await confirm({
      title: "Delete this track?",
      message: `“${track.title}” is deleted with its audio and analysis, for good.`,
      confirmLabel: "Delete track",
      tone: "danger",
    });
    if (sure) remove.mutate(track.id, { onSuccess: () => void navigate(back, { replace: true }) });
  };

  return (
    <section className="page track-detail" data-testid="track-detail">
      {dialog}
      <BackLink to={back} />
      <header className="track-detail-head">
        <TrackMetaForm key={track.id} track={track} />
        <div className="badges">
          <span className={`badge ${statusTone(track.status)}`}>{statusText(track.status)}</span>
          <span className="badge">{formatClock(duration)}</span>
          {track.sample_rate && <span className="badge">{formatNumber(track.sample_rate / 1000, 1, "kHz")}</span>}
          {track.channels && (
            <span className="badge">
              {track.channels === 1 ? "mono" : track.channels === 2 ? "stereo" : `${track.channels} ch`}
            </span>
          )}
          <span className="badge">{track.source}</span>
        </div>
        <p className="muted track-detail-file">
          {track.original_filename && <span>{track.original_filename} · </span>}
          Added {formatDate(track.created_at)}
        </p>
      </header>

      <Player track={track} refetch={refetch} audio={audio} onTime={setPosition} />
      {ready && (
        <div className="form-actions">
          <Link className="button" to={`/library/${track.id}/feedback`} data-testid="track-feedback-link">
            Mix / master feedback
          </Link>
          {analysis?.camelot && (
            <Link className="button" to={`/library?compatible_with=${track.id}`}>
              Tracks in keys that mix with it
            </Link>
          )}
        </div>
      )}

      {track.status === "failed" && (
        <div className="error-notice" role="alert">
          The analysis of this track failed. Delete it and upload the file again, or try another file.
        </div>
      )}
      {!ready && track.status !== "failed" && (
        <p className="card analysis-waiting" role="status">
          <span className="spinner" aria-hidden="true" /> {statusText(track.status)}: the tempo, key, loudness and sections appear
          here when the analysis is done.
        </p>
      )}

      {analysis && <Analysis track={track} analysis={analysis} duration={duration} position={position} onSeek={seek} />}

      <ErrorNotice error={remove.error} />
      <div className="track-detail-foot">
        <button type="button" className="button danger" onClick={deleteTrack} disabled={remove.isPending}>
          {remove.isPending ? "Deleting…" : "Delete track"}
        </button>
      </div>
    </section>
  );
}

interface PlayerProps {
  track: Track;
  refetch: () => Promise<{ data?: Track }>;
  audio: RefObject<HTMLAudioElement | null>;
  onTime: (seconds: number) => void;
}

/**
 * The audio player. Every read of a track signs a fresh audio URL; AudioPlayer keeps the one that
 * is playing and asks for a fresh one (a refetch) when it stops working (an expired token).
 */
function Player({ track, refetch, audio, onTime }: PlayerProps) {
  const [failed, setFailed] = useState(false);
  return (
    <div className="card track-player">
      <AudioPlayer
        key={track.id}
        ref={audio}
        src={track.audio_url}
        title={track.title}
        duration={track.duration_s}
        onExpired={() => void refetch()}
        onUnplayable={() => setFailed(true)}
        onCanPlay={() => setFailed(false)}
        onTime={onTime}
      />
      {failed && <p className="error-text">The audio could not be played in this browser.</p>}
    </div>
  );
}

interface AnalysisProps {
  track: Track;
  analysis: TrackAnalysis;
  duration: number;
  position: number;
  onSeek: (seconds: number, play?: boolean) => void;
}

function Analysis({ track, analysis, duration, position, onSeek }: AnalysisProps) {
  const peaks = usePeaks(track.id, true);
  const sections = analysis.sections ?? [];
  const regions = sections.map((section) => ({ ...section, label: sectionLabel(section.label) }));

  return (
    <>
      <section className="card" aria-labelledby="waveform-title">
        <h2 id="waveform-title">Waveform and sections</h2>
        {peaks.isPending ? (
          <div className="waveform-placeholder muted" aria-busy="true">
            Loading the waveform…
          </div>
        ) : peaks.isError ? (
          <ErrorNotice error={peaks.error} onRetry={() => void peaks.refetch()} />
        ) : (
          <div
            className="waveform-wrap"
            title="Click to play from here"
            onClick={(event) => {
              const box = event.currentTarget.getBoundingClientRect();
              const total = peaks.data.duration_s || duration;
              if (box.width > 0 && total > 0) onSeek(((event.clientX - box.left) / box.width) * total, true);
            }}
          >
            <Waveform
              peaks={peaks.data.peaks}
              duration_s={peaks.data.duration_s || duration}
              regions={regions}
              height={120}
              className="track-waveform"
              label={waveformLabel(track.title, regions)}
            />
            {duration > 0 && (
              <span
                className="waveform-playhead"
                aria-hidden="true"
                style={{ left: `${Math.min(100, Math.max(0, (position / duration) * 100))}%` }}
              />
            )}
          </div>
        )}
        {sections.length > 0 && <SectionsList sections={regions} onPlay={(seconds) => onSeek(seconds, true)} />}
      </section>

      <section className="card" aria-labelledby="metrics-title">
        <h2 id="metrics-title">Analysis</h2>
        <Metrics analysis={analysis} />
      </section>

      <div className="track-charts">
        <section className="card" aria-labelledby="spectral-title">
          <h2 id="spectral-title">Spectral balance</h2>
          {hasSpectralData(analysis.spectral_balance) ? (
            <SpectralBalanceChart balance={analysis.spectral_balance} />
          ) : (
            <p className="muted">No spectral balance for this track.</p>
          )}
        </section>
        <section className="card" aria-labelledby="energy-title">
          <h2 id="energy-title">Energy</h2>
          <EnergySparkline values={analysis.energy_curve ?? []} duration={formatClock(duration)} />
          <div className="energy-axis muted" aria-hidden="true">
            <span>0:00</span>
            <span>{formatClock(duration)}</span>
          </div>
        </section>
      </div>
    </>
  );
}

function waveformLabel(title: string, regions: { label: string }[]): string {
  if (regions.length === 0) return `Waveform of ${title}`;
  const count = regions.length === 1 ? "1 section" : `${regions.length} sections`;
  return `Waveform of ${title} with ${count}: ${regions.map((region) => region.label).join(", ")}`;
}

/** "83% confidence", or for an uncertain reading what that means for the person. */
function confidenceHint(confidence: string, uncertain: boolean): string | undefined {
  if (uncertain) return `uncertain: only ${confidence || "low"} confidence — check it by ear`;
  return confidence ? `${confidence} confidence` : undefined;
}

function Metrics({ analysis }: { analysis: TrackAnalysis }) {
  const bpmConfidence = formatConfidence(analysis.bpm_confidence);
  const keyConfidence = formatConfidence(analysis.key_confidence);
  const meter = (analysis as { meter?: string | number | null }).meter;
  const rows: { name: string; value: ReactNode; hint?: string }[] = [
    {
      name: "Tempo",
      value: isUncertain(analysis, "tempo") ? (
        <span className="uncertain">≈{formatBpm(analysis.bpm)} BPM?</span>
      ) : (
        `${formatBpm(analysis.bpm)} BPM`
      ),
      hint: confidenceHint(bpmConfidence, isUncertain(analysis, "tempo")),
    },
    {
      name: "Key",
      value: (
        <span className="metric-key">
          {isUncertain(analysis, "key") ? (
            <span className="uncertain">≈{formatKey(analysis.key)}?</span>
          ) : (
            formatKey(analysis.key)
          )}{" "}
          <CamelotBadge camelot={analysis.camelot} />
        </span>
      ),
      hint: confidenceHint(keyConfidence, isUncertain(analysis, "key")),
    },
    { name: "Meter", value: formatMeter(meter) },
    { name: "Integrated loudness", value: formatLevel(analysis.lufs_integrated, "LUFS") },
    { name: "Loudness range", value: formatLevel(analysis.loudness_range_lu, "LU") },
    { name: "True peak", value: formatLevel(analysis.true_peak_db, "dBTP") },
    { name: "Sample peak", value: formatLevel(analysis.sample_peak_db, "dBFS") },
    { name: "Crest factor", value: formatLevel(analysis.crest_db, "dB") },
    { name: "Peak to loudness (PLR)", value: formatLevel(analysis.plr_db, "dB") },
    { name: "Stereo width", value: formatShare(analysis.stereo_width), hint: "side share of the energy" },
    { name: "L/R correlation", value: formatLevel(analysis.correlation, "", 2), hint: "1 = mono, 0 = wide, <0 = out of phase" },
  ];
  return (
    <dl className="metrics" data-testid="track-metrics">
      {rows.map((row) => (
        <div key={row.name} className="metric">
          <dt>{row.name}</dt>
          <dd>
            <span className="metric-value">{row.value}</span>
            {row.hint && <span className="metric-hint muted">{row.hint}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

interface SectionsListProps {
  sections: { start_s: number; end_s: number; label: string; energy?: number }[];
  onPlay: (seconds: number) => void;
}

function SectionsList({ sections, onPlay }: SectionsListProps) {
  return (
    <ol className="sections-list" aria-label="Sections">
      {sections.map((section, index) => {
        const energy = section.energy;
        return (
          <li key={`${section.start_s}-${index}`} className="section-row">
            <span className="section-label">
              <button
                type="button"
                className="button ghost small section-play"
                onClick={() => onPlay(section.start_s)}
                aria-label={`Play ${section.label} from ${formatClock(section.start_s)}`}
              >
                ▶
              </button>
              {section.label}
            </span>
            <span className="section-time">
              {formatClock(section.start_s)}–{formatClock(section.end_s)}
            </span>
            <span className="section-energy">
              {energy !== undefined && Number.isFinite(energy) ? (
                <>
                  <span className="section-energy-bar" aria-hidden="true">
                    <span style={{ width: `${Math.round(Math.min(1, Math.max(0, energy)) * 100)}%` }} />
                  </span>
                  <span>energy {formatShare(energy)}</span>
                </>
              ) : (
                <span className="muted">–</span>
              )}
            </span>
          </li>
        );
      })}
    </ol>
  );
}
