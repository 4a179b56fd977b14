import { downloadHref } from "@/lib/file-urls";
import { formatBytes } from "@/lib/format";
import type { FileObject } from "@/lib/types";

import { orderOutputs, outputLabel } from "../lib/outputs";

/** Download links for every file a generation produced. */
export function OutputFiles({ files, title = "Downloads" }: { files: readonly FileObject[]; title?: string }) {
  const ordered = orderOutputs(files).filter((file) => file.url);
  if (ordered.length === 0) return <p className="muted">No files to download.</p>;
  return (
    <div className="gen-downloads">
      <h3>{title}</h3>
      <ul className="gen-file-list">
        {ordered.map((file) => (
          <li key={file.name}>
            <a
              href={downloadHref(file.url ?? "")}
              download={file.name}
              className="gen-file-link"
              aria-label={`Download ${outputLabel(file)}: ${file.name}, ${formatBytes(file.size_bytes)}`}
            >
              <span className="gen-file-label">{outputLabel(file)}</span>
              <span className="muted gen-file-meta">
                {file.name} · {formatBytes(file.size_bytes)}
              </span>
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}
