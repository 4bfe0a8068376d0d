// Paths the generated tests use.
import type { Endpoint } from "../model.js";

/**
 * A path no route of the service answers, for its "unknown path → JSON 404" test: one segment more than its
 * longest route (its api, and the 3-segment saga routes), since a route such as `GET /{id}` matches any path
 * of one segment.
 */
export function unknownPathFor(api: readonly Endpoint[]): string {
  const longest = Math.max(3, ...api.map((e) => e.path.split("/").filter(Boolean).length));
  return "/no-such-path" + "/x".repeat(longest);
}
