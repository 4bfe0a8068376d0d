// JavaScript source written ASCII-only (issue #24): every non-ASCII UTF-16 unit as a `\uXXXX` escape. In string
// literals and comments the escape stands for the same character; a few em dashes are enough to make a whole module
// a two-byte string for V8 (twice the memory, a slower decode and scan on every load), ASCII source reads as one-byte.
// Used by compile-templates.mjs (the precompiled template modules) and bundle-cli.mjs (the CLI bundles).
export const asciiOnly = (text) => text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
