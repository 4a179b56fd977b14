/** Vitest setup: component tests (jsdom) unmount what they rendered after each test. */
import { afterEach } from "vitest";

if (typeof document !== "undefined") {
  const { cleanup } = await import("@testing-library/react");
  afterEach(cleanup);
}
