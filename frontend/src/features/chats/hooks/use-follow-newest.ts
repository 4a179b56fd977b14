/**
 * Keeps a scrolling conversation on its newest content: while the reader is at the bottom, any
 * growth (a new message, a card expanding, progress appearing) scrolls with it; a message the
 * reader sends (or an approval) brings them back to the bottom; a reply arriving while they read
 * further up offers a jump instead of pulling them away.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";

/** Within this many pixels of the end counts as "at the bottom". */
const AT_BOTTOM_PX = 48;

export interface FollowNewest {
  /** Ref callbacks: the scrolling element, and the element whose growth is followed. */
  setScroller: (element: HTMLElement | null) => void;
  setContent: (element: HTMLElement | null) => void;
  onScroll: () => void;
  /** Something new arrived below while the reader was further up. */
  behind: boolean;
  jumpToNewest: () => void;
}

/**
 * `newestId`: the last message's id; `newestMineId`: the last message the reader sent (a post
 * adds the reader's message and the assistant's placeholder together, so the newest message is
 * rarely the reader's own).
 */
export function useFollowNewest(newestId: string | undefined, newestMineId: string | undefined): FollowNewest {
  const [scroller, setScroller] = useState<HTMLElement | null>(null);
  const [content, setContent] = useState<HTMLElement | null>(null);
  const following = useRef(true);
  const [behind, setBehind] = useState(false);

  const toBottom = useCallback(() => {
    scroller?.scrollTo({ top: scroller.scrollHeight });
  }, [scroller]);

  const onScroll = useCallback(() => {
    if (!scroller) return;
    following.current = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= AT_BOTTOM_PX;
    if (following.current) setBehind(false);
  }, [scroller]);

  const jumpToNewest = useCallback(() => {
    following.current = true;
    setBehind(false);
    toBottom();
  }, [toBottom]);

  // Growth of the content: follow it when the reader is at the bottom.
  useEffect(() => {
    if (!content || typeof ResizeObserver === "undefined") return undefined;
    const observer = new ResizeObserver(() => {
      if (following.current) toBottom();
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, [content, toBottom]);

  // Something the reader sent always brings them down (the first render counts as not new).
  const sentBefore = useRef(newestMineId);
  useLayoutEffect(() => {
    if (newestMineId === sentBefore.current) return;
    sentBefore.current = newestMineId;
    following.current = true;
  }, [newestMineId]);

  // A new newest message: followed when the reader is at the bottom, else announced by the
  // jump button.
  useLayoutEffect(() => {
    if (!newestId) return;
    if (following.current) {
      toBottom();
      setBehind(false);
    } else {
      setBehind(true);
    }
  }, [newestId, toBottom]);

  return { setScroller, setContent, onScroll, behind, jumpToNewest };
}
