// `msa docs`: the site's files from its page model, every byte through templates/site/. Pure: the client script
// (cytoscape + the site's own code, bundled when msa is built: scripts/bundle-site.mjs) is handed in.
import type { Render } from "../render.js";
import type { SiteModel } from "./model.js";

export interface SiteFile {
  /** POSIX, relative to the site's folder. */
  path: string;
  content: string;
}

export interface SiteAssets {
  /** dist/site/site.js: the map (cytoscape) and the search, one file that works from file://. */
  script: string;
}

/** The pages every site has, in the navigation's order. */
export const NAV = [
  { id: "map", label: "Context map", href: "index.html" },
  { id: "contexts", label: "Contexts", href: "contexts.html" },
  { id: "events", label: "Events", href: "events.html" },
  { id: "sagas", label: "Sagas", href: "sagas.html" },
  { id: "routes", label: "Gateway routes", href: "routes.html" },
] as const;

export function planSite(site: SiteModel, render: Render, assets: SiteAssets): SiteFile[] {
  const page = (path: string, template: string, current: string, title: string, view: Record<string, unknown>): SiteFile => {
    const depth = path.split("/").length - 1;
    const base = "../".repeat(depth);
    const nav = NAV.map((n) => ({ ...n, href: base + n.href, current: n.id === current }));
    return { path, content: render(`site/${template}.html`, { ...view, site, base, nav, title: `${title} · ${site.system}` }) };
  };
  const files: SiteFile[] = [
    page("index.html", "index", "map", "Context map", {}),
    page("contexts.html", "contexts", "contexts", "Contexts", {}),
    page("events.html", "events", "events", "Events", {}),
    page("sagas.html", "sagas", "sagas", "Sagas", {}),
    page("routes.html", "routes", "routes", "Gateway routes", {}),
    ...site.contexts.map((c) => page(c.href, "context", "contexts", c.name, { context: c })),
    ...site.events.map((e) => page(e.href, "event", "events", e.name, { event: e })),
    { path: "assets/site.css", content: render("site/site.css", {}) },
    { path: "assets/data.js", content: render("site/data.js", { graph: site.graph, search: site.search, system: site.system }) },
    { path: "assets/site.js", content: assets.script.endsWith("\n") ? assets.script : assets.script + "\n" },
  ];
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
