/** History's own shapes; the Job itself is shared (src/lib/types.ts). */
import type { Job } from "@/lib/types";

/** The job types runs create (DESIGN §7: a Job's type is the run kind that produced it). */
export type JobTypeFilter = "" | "render" | "generate";

export type JobStatus = Job["status"];

export interface JobSummary {
  /** The headline: a generation's prompt, a render's mix title. */
  title: string;
  /** One line of facts: genre, tempo, key, length, segments… */
  detail: string;
}

export type Tone = "good" | "warn" | "bad" | "";
