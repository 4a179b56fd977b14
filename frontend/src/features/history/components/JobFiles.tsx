import { downloadHref } from "@/lib/file-urls";
import { formatBytes } from "@/lib/format";
import type { FileObject } from "@/lib/types";

import { fileRoleLabel, sortFiles, totalBytes } from "../lib/files";

/** Every file of a job, to download: name, role and size. */
export function JobFiles({ files, jobType }: { files: readonly FileObject[]; jobType: string }) {
  if (files.length === 0) return null;
  const sorted = sortFiles(files);
  return (
    <details className="hist-files">
      <summary>
        Downloads{" "}
        <span className="muted">
          ({files.length} file{files.length === 1 ? "" : "s"} · {formatBytes(totalBytes(files))})
        </span>
      </summary>
      <ul className="hist-file-list">
        {sorted.map((file) => (
          <li key={file.name} className="hist-file">
            <span className="hist-file-role">{fileRoleLabel(file, jobType)}</span>
            <span className="hist-file-name">{file.download_name ?? file.name}</span>
            <span className="muted hist-file-size">{formatBytes(file.size_bytes)}</span>
            {file.url ? (
              <a
                className="button small"
                href={downloadHref(file.url)}
                download={file.download_name ?? file.name}
                aria-label={`Download ${file.download_name ?? file.name}`}
              >
                Download
              </a>
            ) : (
              <span className="muted">Unavailable</span>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
