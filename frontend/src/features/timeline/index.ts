/** The timeline editor feature: the component the studio mounts, and the timeline arithmetic. */
export { TimelineEditor } from "./components/TimelineEditor";
export {
  clampTransitionBeats,
  deriveTimeline,
  DEFAULT_TRANSITION,
  moveSegment,
  safeDeriveTimeline,
  snapToBar,
  stretchRatio,
  totalDuration,
  trackBpmsOf,
  transitionSeconds,
  validateTimeline,
} from "./lib/timeline-math";
export type { TimelineProblem, TrackBpms } from "./types";
