import { useId, useRef, useState, type DragEvent } from "react";

const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes("Files");

/** Drop several files at once, or choose them; every file goes to `onFiles`. */
export function UploadDropzone({ onFiles }: { onFiles: (files: File[]) => void }) {
  const inputId = useId();
  const hintId = useId();
  const depth = useRef(0);
  const [dragging, setDragging] = useState(false);

  const enter = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth.current += 1;
    setDragging(true);
  };
  const over = (event: DragEvent<HTMLDivElement>) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  };
  const leave = () => {
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setDragging(false);
  };
  const drop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    depth.current = 0;
    setDragging(false);
    const files = Array.from(event.dataTransfer.files ?? []);
    if (files.length) onFiles(files);
  };

  return (
    <div
      className={`upload-dropzone${dragging ? " dragging" : ""}`}
      data-testid="upload-dropzone"
      onDragEnter={enter}
      onDragOver={over}
      onDragLeave={leave}
      onDrop={drop}
    >
      <div className="upload-dropzone-text">
        <strong>{dragging ? "Drop to upload" : "Drop audio or video files here"}</strong>
        <span className="muted" id={hintId}>
          Several at once are fine — WAV, FLAC, MP3, OGG, M4A, MP4, MOV… Each file is checked and analysed.
        </span>
      </div>
      <input
        id={inputId}
        className="visually-hidden upload-input"
        type="file"
        multiple
        accept="audio/*,video/*"
        aria-describedby={hintId}
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? []);
          event.currentTarget.value = ""; // choosing the same file again still uploads it
          if (files.length) onFiles(files);
        }}
      />
      <label htmlFor={inputId} className="button primary upload-choose">
        Choose files
      </label>
    </div>
  );
}
