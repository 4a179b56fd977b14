"""Clips from an uploaded CSV: `url,start,end` columns, a header row optional."""

from __future__ import annotations

import csv
import io

from pydantic import ValidationError

from intellimix.errors import ValidationFailed
from intellimix.tools.schemas import MAX_CLIPS, Clip, ProcessArrayRequest
from intellimix.web.http import field_errors

MAX_CSV_BYTES = 256 * 1024


def clips_from_csv(data: bytes) -> list[Clip]:
    if len(data) > MAX_CSV_BYTES:
        raise ValidationFailed(
            f"The CSV is larger than {MAX_CSV_BYTES // 1024} KB.", details={"fields": []}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _invalid("The CSV is not UTF-8 text.") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if rows and rows[0] and rows[0][0].strip().lower() in ("url", "link", "youtube_url"):
        header = [cell.strip().lower() for cell in rows[0]]
        rows = rows[1:]
    else:
        header = ["url", "start", "end"]
    if not rows:
        raise _invalid("The CSV has no rows with a url.")
    if len(rows) > MAX_CLIPS:
        raise _invalid(f"The CSV has {len(rows)} rows; at most {MAX_CLIPS} clips are joined.")
    records = [
        {name: cell.strip() for name, cell in zip(header, row, strict=False) if cell.strip()}
        for row in rows
    ]
    try:
        return ProcessArrayRequest.model_validate({"urls": records}).urls
    except ValidationError as exc:
        fields = [
            {**problem, "field": problem["field"].replace("urls.", "row ", 1)}
            for problem in field_errors(exc)
        ]
        raise ValidationFailed(details={"fields": fields}) from exc


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(
        message, details={"fields": [{"field": "file", "message": message, "type": "csv"}]}
    )
