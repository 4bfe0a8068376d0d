// The third-party GitHub Actions the generated workflows use, pinned to full commit SHAs (a tag can be moved; a
// commit cannot). docs/ci.md lists the same table (a unit test keeps them equal). Each SHA is the commit of the
// release tag, read from the action's own repository (git tags), never typed from memory; to upgrade one, read
// the new tag's commit the same way and change both places.
export interface PinnedAction {
  /** owner/name as `uses:` names it. */
  action: string;
  /** The release tag the SHA is the commit of (shown as the trailing `# vX.Y.Z` comment, which Dependabot updates). */
  version: string;
  sha: string;
}

export const PINNED_ACTIONS = {
  checkout: { action: "actions/checkout", version: "v7.0.1", sha: "3d3c42e5aac5ba805825da76410c181273ba90b1" },
  setupNode: { action: "actions/setup-node", version: "v7.0.0", sha: "820762786026740c76f36085b0efc47a31fe5020" },
  setupPython: { action: "actions/setup-python", version: "v7.0.0", sha: "5fda3b95a4ea91299a34e894583c3862153e4b97" },
  uploadArtifact: { action: "actions/upload-artifact", version: "v7.0.0", sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f" },
  dockerLogin: { action: "docker/login-action", version: "v4.1.0", sha: "4907a6ddec9925e35a0a9e82d7399ccc52663121" },
} as const satisfies Record<string, PinnedAction>;

/** `uses:` value: `owner/name@<sha> # <version>`. */
export function usesOf(a: PinnedAction): string {
  return `${a.action}@${a.sha} # ${a.version}`;
}
