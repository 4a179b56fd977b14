import { Link } from "react-router";

import type { AnalysisReportContent, Message } from "@/lib/types";

import {
  analysisLabel,
  compatibilityRow,
  factBadges,
  isAsked,
  notFoundText,
  readAnalysis,
  sectionBlocks,
  trackHref,
  trackNames,
  type AnalysisFact,
  type AnalysisTrack,
} from "../lib/analysis";

function TrackFacts({ track, asked }: { track: AnalysisTrack; asked: readonly AnalysisFact[] }) {
  const badges = factBadges(track, asked);
  const blocks = sectionBlocks(track.sections, track.duration_s);
  const structureAsked = isAsked(asked, "structure");
  return (
    <li className="analysis-track">
      <h3 className="analysis-track-title">
        <Link to={trackHref(track.track_id)}>{track.title}</Link>
        {track.artist ? <span className="muted"> — {track.artist}</span> : null}
      </h3>
      <ul className="badges analysis-facts" aria-label={`Facts about ${track.title}`}>
        {badges.map((badge) => (
          <li
            key={badge.id}
            className={`badge analysis-fact${badge.asked ? " asked" : ""}${badge.known ? "" : " unknown"}`}
            data-fact={badge.id}
          >
            <span className="analysis-fact-label">{badge.label}</span>{" "}
            {badge.asked ? <strong>{badge.value}</strong> : <span>{badge.value}</span>}
            {badge.asked && <span className="visually-hidden"> (asked)</span>}
          </li>
        ))}
      </ul>
      <div className={`analysis-structure${structureAsked ? " asked" : ""}`}>
        {blocks.length > 0 ? (
          <>
            <div className="analysis-bar" aria-hidden="true">
              {blocks.map((block) => (
                <span
                  key={`${block.label}-${block.start_s}`}
                  className={`analysis-bar-block track-color-${block.colorIndex}`}
                  style={{ left: `${block.leftPercent}%`, width: `${block.widthPercent}%` }}
                  title={`${block.label} ${block.time}`}
                >
                  <span className="analysis-bar-label">{block.label}</span>
                </span>
              ))}
            </div>
            <ol className="analysis-sections" aria-label={`Sections of ${track.title}`}>
              {blocks.map((block) => (
                <li key={`${block.label}-${block.start_s}`}>
                  <span className={`swatch track-color-${block.colorIndex}`} aria-hidden="true" />
                  <span className="analysis-section-label">{block.label}</span>{" "}
                  <span className="analysis-section-time">{block.time}</span>
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p className="muted small-text">No sections detected.</p>
        )}
      </div>
    </li>
  );
}

/** An answer about library tracks: the facts asked for, their structure, and how they mix. */
export function AnalysisCard({ message, content }: { message: Message; content: Partial<AnalysisReportContent> }) {
  const { tracks, asked, notFound, compatibility } = readAnalysis(content);
  const names = trackNames(tracks);
  const rows = tracks.length >= 2 ? compatibility.map((pair) => compatibilityRow(pair, names)) : [];
  const missing = notFoundText(notFound);
  return (
    <div className="card analysis-card" data-testid="analysis-card" role="group" aria-label={analysisLabel(tracks)}>
      {message.content_text && <p className="msg-text analysis-lead">{message.content_text}</p>}
      {tracks.length > 0 && (
        <ul className="analysis-tracks">
          {tracks.map((track) => (
            <TrackFacts key={track.track_id} track={track} asked={asked} />
          ))}
        </ul>
      )}
      {rows.length > 0 && (
        <div className="analysis-compat">
          <h3 className="analysis-compat-title">How they mix</h3>
          <ul className="analysis-compat-rows">
            {rows.map((row) => (
              <li key={row.key} className="analysis-compat-row">
                <span className="analysis-compat-pair">
                  <strong>{row.fromName}</strong> → <strong>{row.toName}</strong>:
                </span>{" "}
                <span className="analysis-compat-details">{row.details},</span>{" "}
                <span className={`badge ${row.tone}`}>{row.scoreText}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
      {missing && <p className="muted small-text analysis-missing">{missing}</p>}
    </div>
  );
}
