// Which build of msa is running. The build (scripts/compile-schema.mjs) replaces dist/core/build-id.js with a
// hash of dist/core, so caches whose content msa's own code computes (validate-events' event table) are not
// served across upgrades; from sources (tests) it is "dev".
export const BUILD_ID: string = "dev";
