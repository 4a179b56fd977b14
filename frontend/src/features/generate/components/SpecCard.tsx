import { formatClock } from "@/lib/format";

import { energyPercent, formatBpm, genreLabel, sectionTone, seedLabel, timedSections } from "../lib/spec";
import type { GenerationSpec } from "../types";

/** What the server read the prompt as: the facts, the arrangement in time, and its notes. */
export function SpecCard({ spec, prompt }: { spec: GenerationSpec; prompt?: string }) {
  const sections = timedSections(spec);
  return (
    <section className="card gen-spec" aria-labelledby="gen-spec-title" data-testid="generation-spec">
      <h2 id="gen-spec-title">The spec</h2>
      {prompt && <p className="gen-spec-prompt">“{prompt}”</p>}
      <dl className="gen-facts">
        <Fact term="Genre" value={genreLabel(spec.genre)} />
        <Fact term="Tempo" value={`${formatBpm(spec.bpm)} BPM`} />
        <Fact term="Key" value={spec.key} />
        <Fact term="Mood" value={spec.mood} />
        <Fact term="Energy" value={energyPercent(spec.energy)} />
        <Fact term="Length" value={formatClock(spec.duration_s)} />
        <Fact term="Seed" value={seedLabel(spec.seed)} />
      </dl>

      {spec.instruments.length > 0 && (
        <div className="gen-spec-block">
          <h3>Instruments</h3>
          <ul className="badges gen-plain-list">
            {spec.instruments.map((instrument) => (
              <li key={instrument} className="badge">
                {instrument}
              </li>
            ))}
          </ul>
        </div>
      )}

      {sections.length > 0 && (
        <div className="gen-spec-block">
          <h3>Structure</h3>
          <div className="gen-structure-strip" aria-hidden="true">
            {sections.map((section) => (
              <span
                key={section.index}
                className={`gen-structure-part gen-part-${sectionTone(section.label)}`}
                style={{ flexGrow: section.bars, flexBasis: 0 }}
                title={`${section.label}: ${section.bars} bars`}
              >
                {section.label}
              </span>
            ))}
          </div>
          <ol className="gen-structure-list">
            {sections.map((section) => (
              <li key={section.index}>
                <span className="gen-structure-name">{section.label}</span>
                <span className="muted">
                  {formatClock(section.start_s)}–{formatClock(section.end_s)} · {section.bars} bars
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}

      {spec.notes.length > 0 && (
        <div className="gen-spec-block">
          <h3>Assumptions and adjustments</h3>
          <ul className="gen-notes">
            {spec.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function Fact({ term, value }: { term: string; value: string }) {
  return (
    <div className="gen-fact">
      <dt className="muted">{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
