// pnpm hooks (https://pnpm.io/pnpmfile). Only `beforePacking`: it shapes the package.json that
// `pnpm pack` and `pnpm publish` (so `changeset publish`) put in a tarball, never the one in the tree.

/** Drops the `source` condition, which points the workspace at `src/*.ts`, from an exports map. */
function withoutSourceCondition(exports) {
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return exports;
  return Object.fromEntries(
    Object.entries(exports)
      .filter(([key]) => key !== 'source')
      .map(([key, value]) => [key, withoutSourceCondition(value)]),
  );
}

module.exports = {
  hooks: {
    beforePacking(manifest) {
      if (manifest.exports !== undefined) manifest.exports = withoutSourceCondition(manifest.exports);
      // What builds and tests the package (including private workspace packages) is no user's business.
      delete manifest.devDependencies;
      delete manifest.scripts;
      return manifest;
    },
  },
};
