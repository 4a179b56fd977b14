"""A feedback report as a PDF: fpdf2 lays out the text, matplotlib (Agg) draws the charts.

Every number printed comes from the stored report through the same formatters (`_db`,
`_lufs`…), so the PDF says exactly what `GET /feedback/<id>` says. The text is set in the PDF
core font Helvetica (nothing to embed or parse: a TrueType font cost more than the whole
layout), so it is written in Latin-1 — `plain` turns dashes and minus signs into ASCII, which
text extraction (pdftotext) reads back unchanged.
"""

from __future__ import annotations

from typing import Any

from fpdf import FPDF
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, NullLocator
from PIL import Image

FONT = "Helvetica"
# What `plain` writes for characters outside Latin-1.
PLAIN = str.maketrans(
    {
        "\u2212": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)
CHART_DPI = 110
OCTAVE_TICKS_HZ = (31.5, 63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)
SECTIONS = (
    "Scores",
    "Findings",
    "Spectrum against target and reference",
    "Short-term loudness over time",
    "Stereo image per band",
    "Suggested settings",
    "Targets and sources",
)
AREA_NAMES = {
    "peaks": "Peaks and clipping",
    "loudness": "Loudness",
    "dynamics": "Dynamics",
    "tonal_balance": "Tonal balance",
    "low_end": "Low end",
    "harshness": "Harshness",
    "stereo": "Stereo image",
    "transients": "Transients and punch",
    "noise": "Noise floor",
}


def render_pdf(report: dict[str, Any], *, title: str) -> bytes:
    """The report as PDF bytes."""
    pdf = _Document(title)
    pdf.add_page()
    pdf.heading(title, size=17)
    pdf.paragraph(_intro(report))
    pdf.paragraph(report["summary"])
    _scores(pdf, report)
    if report.get("improvement"):
        _improvement(pdf, report["improvement"])
    _findings(pdf, report)
    pdf.section(SECTIONS[2])
    pdf.chart(_spectrum_chart(report))
    pdf.caption(_spectrum_caption(report))
    pdf.section(SECTIONS[3])
    pdf.chart(_loudness_chart(report))
    pdf.caption(_loudness_caption(report))
    pdf.section(SECTIONS[4])
    pdf.chart(_stereo_chart(report))
    pdf.caption(_stereo_caption(report))
    _presets(pdf, report["presets"])
    _targets(pdf, report)
    return bytes(pdf.output())


class _Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        self.set_title(title)
        self.set_creator("IntelliMix")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_font(FONT, size=10)

    def normalize_text(self, text: str) -> str:
        return super().normalize_text(plain(text))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.cell(0, 8, f"IntelliMix feedback · page {self.page_no()}", align="C")

    def heading(self, text: str, *, size: int = 14) -> None:
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=10)
        self.ln(2)

    def section(self, text: str) -> None:
        self.ln(3)
        self.heading(text, size=13)

    def paragraph(self, text: str, *, size: int = 10) -> None:
        self.set_font(FONT, size=size)
        self.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def caption(self, text: str) -> None:
        self.set_font(FONT, size=8)
        self.multi_cell(0, 4, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, size=10)
        self.ln(2)

    def row(self, cells: list[str], widths: list[float], *, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", 9)
        for text, width in zip(cells, widths, strict=True):
            self.cell(width, 6, text, border=1)
        self.ln(6)
        self.set_font(FONT, size=10)

    def chart(self, image: Image.Image) -> None:
        width = self.epw
        if self.get_y() + width * image.height / image.width > self.h - 20:
            self.add_page()
        self.image(image, w=width)


# --- text sections -------------------------------------------------------------------------


def _intro(report: dict[str, Any]) -> str:
    compared = report.get("compared_with")
    against = f"Tonal balance compared with {compared['label']}." if compared else ""
    level = report["measurements"]["loudness"]
    return (
        f"{report['type'].capitalize()} feedback ({report['detail']}). "
        f"Integrated loudness {_lufs(level['lufs_integrated'])}, true peak "
        f"{_db(level['true_peak_db'], 'dBTP')}, loudness range "
        f"{_db(level['loudness_range_lu'], 'LU')}, PLR {_db(level['plr_db'], 'dB')}. "
        f"{against} Overall score {report['overall_score']}/100."
    )


def _scores(pdf: _Document, report: dict[str, Any]) -> None:
    pdf.section(SECTIONS[0])
    widths = [70.0, 30.0]
    pdf.row(["Area", "Score"], widths, bold=True)
    for area, score in report["scores"].items():
        pdf.row([AREA_NAMES.get(area, area), f"{score}/100"], widths)


def _improvement(pdf: _Document, improvement: dict[str, Any]) -> None:
    pdf.section("What the corrected master improved")
    widths = [70.0, 30.0, 30.0]
    pdf.row(["Area", "Before", "After"], widths, bold=True)
    for area, scores in improvement["areas"].items():
        pdf.row([AREA_NAMES.get(area, area), str(scores["before"]), str(scores["after"])], widths)
    if improvement["resolved"]:
        pdf.paragraph("Resolved: " + "; ".join(improvement["resolved"]))
    if improvement["remaining"]:
        pdf.paragraph("Remaining: " + "; ".join(improvement["remaining"]))


def _findings(pdf: _Document, report: dict[str, Any]) -> None:
    pdf.section(SECTIONS[1])
    if not report["findings"]:
        pdf.paragraph("No findings.")
    for rank, finding in enumerate(report["findings"], start=1):
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(
            0,
            5,
            f"{rank}. [{finding['severity']}] {finding['title']}",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.paragraph(finding["explanation"], size=9)
        pdf.paragraph("Evidence: " + _evidence_text(finding["evidence"]), size=8)
        pdf.paragraph("Fix: " + "; ".join(fix_text(fix) for fix in finding["fixes"]), size=9)


def _presets(pdf: _Document, presets: dict[str, Any]) -> None:
    pdf.section(SECTIONS[5])
    lines = [f"EQ: {fix_text({'kind': 'eq', **band})}" for band in presets["eq"]]
    for kind in ("compressor", "de_esser", "stereo", "limiter"):
        if presets.get(kind):
            lines.append(
                f"{kind.replace('_', '-').capitalize()}: "
                + fix_text({"kind": kind, **presets[kind]})
            )
    pdf.paragraph("\n".join(lines) if lines else "No changes suggested.")


def _targets(pdf: _Document, report: dict[str, Any]) -> None:
    pdf.section(SECTIONS[6])
    lines = []
    for name, target in report["targets"].items():
        kind = " (convention)" if target["convention"] else ""
        lines.append(f"{name}: {_num(target['value'])} {target['unit']}{kind} - {target['source']}")
    compared = report.get("compared_with")
    if compared:
        lines.append(f"Tonal comparison: {compared['label']} - {compared['source']}")
    pdf.paragraph("\n".join(lines), size=9)


def plain(text: str) -> str:
    """Text as the PDF writes it: Latin-1, ASCII dashes and minus signs."""
    return text.translate(PLAIN).encode("latin-1", "replace").decode("latin-1")


def fix_text(fix: dict[str, Any]) -> str:
    """One fix as a sentence of settings (shared with the chat answers)."""
    kind = fix["kind"]
    if kind == "eq":
        words = {"bell": "bell", "high_shelf": "high shelf", "low_shelf": "low shelf"}
        q = f", Q {_num(fix['q'])}" if "q" in fix else ""
        return f"{words[fix['filter']]} {_hz(fix['freq_hz'])} {_signed(fix['gain_db'])} dB{q}"
    if kind == "limiter":
        return (
            f"true-peak limiter, ceiling {_num(fix['ceiling_dbtp'])} dBTP, input gain "
            f"{_signed(fix['input_gain_db'])} dB"
            + (f", aiming at {_num(fix['target_lufs'])} LUFS" if "target_lufs" in fix else "")
        )
    if kind == "compressor":
        return (
            f"compressor {_num(fix['ratio'])}:1, threshold {_num(fix['threshold_db'])} dB, "
            f"attack {_num(fix['attack_ms'])} ms, release {_num(fix['release_ms'])} ms"
        )
    if kind == "stereo":
        parts = []
        if "mono_below_hz" in fix:
            parts.append(f"mono below {_hz(fix['mono_below_hz'])}")
        if "width_percent" in fix:
            parts.append(f"width {_num(fix['width_percent'])} %")
        return ", ".join(parts)
    if kind == "de_esser":
        return f"de-esser at {_hz(fix['freq_hz'])}, up to {_num(fix['range_db'])} dB"
    if kind == "gate":
        return f"gate or noise reduction, threshold {_num(fix['threshold_db'])} dBFS"
    if kind == "gain":
        return f"gain {_signed(fix['gain_db'])} dB on the {fix['where']}"
    if kind == "transient_shaper":
        return f"transient shaper, attack {_signed(fix['attack_db'])} dB"
    return str(fix.get("action", kind))


def _evidence_text(evidence: dict[str, Any]) -> str:
    parts = []
    for key, value in evidence.items():
        if value is None or value == []:
            continue
        if key == "time_ranges" or key.endswith("_ranges"):
            shown = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in value[:6])
            parts.append(f"{key.replace('_', ' ')} {shown}")
        elif isinstance(value, dict):
            parts.append(
                f"{key.replace('_', ' ')} " + ", ".join(f"{k} {_num(v)}" for k, v in value.items())
            )
        elif isinstance(value, list):
            parts.append(f"{key.replace('_', ' ')} {'-'.join(_num(v) for v in value)}")
        else:
            parts.append(f"{key.replace('_', ' ')} {_num(value)}")
    return "; ".join(parts)


# --- charts -------------------------------------------------------------------------------


def _figure() -> tuple[Figure, Any]:
    # The object API with the Agg canvas (no pyplot state) and fixed margins: tight_layout
    # measured most of the rendering time.
    fig = Figure(figsize=(7.2, 3.0), dpi=CHART_DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.09, right=0.98, top=0.9, bottom=0.17)
    ax = fig.add_subplot()
    ax.grid(True, alpha=0.3)
    return fig, ax


def _image(fig: Figure) -> Image.Image:
    """The drawn chart as an RGB image (no PNG round trip, no alpha channel to split)."""
    canvas = fig.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # _figure() attaches an Agg canvas
    canvas.draw()
    return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")


def _spectrum_chart(report: dict[str, Any]) -> Image.Image:
    tonal = report["tonal"]
    fig, ax = _figure()
    centres = tonal["band_centres_hz"]
    ax.semilogx(centres, _nan(tonal["track_db"]), label="track", color="#1f77b4", linewidth=2)
    if tonal.get("genre_db"):
        ax.semilogx(
            centres, _nan(tonal["genre_db"]), label="genre target", color="#2ca02c", linestyle="--"
        )
    if tonal.get("reference_db"):
        ax.semilogx(
            centres, _nan(tonal["reference_db"]), label="reference", color="#ff7f0e", linestyle=":"
        )
    # Octave ticks only: log axes' automatic minor ticks cost more than the rest of the chart.
    ax.xaxis.set_major_locator(FixedLocator(OCTAVE_TICKS_HZ))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([_hz(hz).replace(" ", "") for hz in OCTAVE_TICKS_HZ])
    ax.set_xlabel("Hz (1/3-octave bands)")
    ax.set_ylabel("dB re total")
    ax.set_title("Spectrum against target and reference")
    ax.legend(loc="lower left", fontsize=8)
    return _image(fig)


def _loudness_chart(report: dict[str, Any]) -> Image.Image:
    series = report["measurements"]["short_term"]
    fig, ax = _figure()
    times = [series["start_s"] + i * series["hop_s"] for i in range(len(series["lufs"]))]
    ax.plot(times, _nan(series["lufs"]), color="#1f77b4", label="short-term (3 s)")
    integrated = report["measurements"]["loudness"]["lufs_integrated"]
    if integrated is not None:
        ax.axhline(integrated, color="#555555", linestyle="--", label="integrated")
    target = report["targets"].get("streaming_lufs")
    if target:
        ax.axhline(target["value"], color="#2ca02c", linestyle=":", label="streaming target")
    ax.set_xlabel("s")
    ax.set_ylabel("LUFS")
    ax.set_title("Short-term loudness over time")
    ax.legend(loc="lower right", fontsize=8)
    return _image(fig)


def _stereo_chart(report: dict[str, Any]) -> Image.Image:
    bands = report["measurements"]["bands"]
    fig, ax = _figure()
    names = list(bands)
    positions = range(len(names))
    correlation = [bands[n]["correlation"] or 0.0 for n in names]
    width = [bands[n]["width"] or 0.0 for n in names]
    ax.bar(
        [p - 0.2 for p in positions], correlation, width=0.4, label="correlation", color="#1f77b4"
    )
    ax.bar(
        [p + 0.2 for p in positions], width, width=0.4, label="width (side share)", color="#ff7f0e"
    )
    ax.axhline(0.0, color="#333333", linewidth=0.8)
    ax.set_xticks(list(positions), [n.replace("_", " ") for n in names])
    ax.set_ylim(-1.05, 1.05)
    ax.set_title("Stereo image per band")
    ax.legend(loc="lower right", fontsize=8)
    return _image(fig)


def _spectrum_caption(report: dict[str, Any]) -> str:
    tonal, compared = report["tonal"], report.get("compared_with")
    moves = [
        f"{_hz(hz)} {_signed(db)} dB"
        for hz, db in zip(tonal["band_centres_hz"], tonal["correction_db"] or [], strict=False)
        if db is not None and abs(db) >= 1.5
    ]
    against = compared["label"] if compared else "no target"
    return (
        f"Track balance against {against}. Correction towards it (bands over 1.5 dB): "
        + (", ".join(moves) if moves else "none")
        + "."
    )


def _loudness_caption(report: dict[str, Any]) -> str:
    level = report["measurements"]["loudness"]
    return (
        f"Integrated {_lufs(level['lufs_integrated'])}; short-term maximum "
        f"{_lufs(level['short_term_max_lufs'])}; momentary maximum "
        f"{_lufs(level['momentary_max_lufs'])}; loudness range "
        f"{_db(level['loudness_range_lu'], 'LU')}."
    )


def _stereo_caption(report: dict[str, Any]) -> str:
    bands = report["measurements"]["bands"]
    parts = [
        f"{name.replace('_', ' ')}: correlation {_num(b['correlation'])}, width {_num(b['width'])}"
        for name, b in bands.items()
    ]
    return "; ".join(parts) + "."


# --- formatting ---------------------------------------------------------------------------


def _num(value: Any) -> str:
    """A number as the JSON has it (its own rounding), ASCII minus; n/a for None."""
    if value is None:
        return "n/a"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    text = f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"
    return text.replace("\u2212", "-")


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _num(value)


def _db(value: float | None, unit: str) -> str:
    return f"{_num(value)} {unit}"


def _lufs(value: float | None) -> str:
    return _db(value, "LUFS")


def _hz(value: float) -> str:
    return f"{_num(round(value / 1000, 2))} kHz" if value >= 1000 else f"{_num(value)} Hz"


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _nan(values: list[float | None]) -> list[float]:
    return [float("nan") if v is None else float(v) for v in values]
