import { StudioPage } from "@/features/chats";
import { TimelineEditor } from "@/features/timeline";

/** The studio with the timeline editor composed in (features never import each other). */
export default function StudioRoute() {
  return <StudioPage TimelineEditor={TimelineEditor} />;
}
