// msa docs — the site's client: the context map (cytoscape) and the search. Bundled with cytoscape into
// assets/site.js when msa is built (scripts/bundle-site.mjs); reads window.MSA_SITE from assets/data.js.
import cytoscape from "cytoscape";

const data = window.MSA_SITE || { graph: { nodes: [], edges: [] }, search: [] };

const COLOURS = {
  runtime: { "node-express": "#1f6f43", "python-flask": "#7a4b00", kong: "#5b2a86", node: "#5b2a86" },
  database: { postgres: "#0b5cad", mysql: "#00758f", mongodb: "#116329", redis: "#b3261e", none: "#6e7781" },
};

function startMap() {
  const el = document.getElementById("map");
  if (!el) return;
  const base = document.getElementById("search-box")?.dataset.base || "";
  const cy = cytoscape({
    container: el,
    elements: [
      ...data.graph.nodes.map((n) => ({ data: { ...n }, classes: n.kind })),
      ...data.graph.edges.map((e) => ({ data: { ...e }, classes: e.kind })),
    ],
    wheelSensitivity: 0.3,
    maxZoom: 2.5,
    style: [
      { selector: "node", style: { label: "data(label)", "background-color": (n) => colour(n, "runtime"), color: "#1b1f24", "font-size": 12, "text-valign": "bottom", "text-margin-y": 4, width: 26, height: 26 } },
      { selector: "node.gateway", style: { shape: "round-rectangle", width: 34, height: 22 } },
      { selector: "node.legacy", style: { shape: "round-rectangle", width: 34, height: 22, "border-width": 2, "border-style": "dashed", "border-color": "#57606a" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#f2a900" } },
      { selector: "edge", style: { width: 1.6, "line-color": "#57606a", "target-arrow-color": "#57606a", "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.9 } },
      { selector: "edge.saga", style: { "line-color": "#0b5cad", "target-arrow-color": "#0b5cad" } },
      { selector: "edge.event", style: { "line-style": "dashed", "line-color": "#8250df", "target-arrow-color": "#8250df" } },
      { selector: "edge.route", style: { "line-style": "dotted" } },
      { selector: "edge.undeclared", style: { width: 3, "line-color": "#b3261e", "target-arrow-color": "#b3261e" } },
      { selector: "edge.unused", style: { width: 3, "line-style": "dashed", "line-color": "#d97a00", "target-arrow-color": "#d97a00" } },
    ],
    layout: { name: "preset" },
  });
  const roots = cy.nodes().filter((node) => node.hasClass("gateway") || node.incomers("edge").length === 0);
  cy.layout(layoutFor(data.graph.nodes.length, roots)).run();
  // a small system would be blown up to fill the box: keep labels at a readable size
  if (cy.zoom() > 1.6) {
    cy.zoom(1.6);
    cy.center();
  }
  const recolour = (by) => cy.nodes().forEach((n) => n.style("background-color", colour(n, by)));
  document.getElementById("colour-by")?.addEventListener("change", (ev) => recolour(ev.target.value));
  document.getElementById("fit")?.addEventListener("click", () => {
    cy.fit(undefined, 30);
    if (cy.zoom() > 1.6) (cy.zoom(1.6), cy.center());
  });
  cy.on("tap", "node", (ev) => {
    const href = ev.target.data("href");
    if (href) window.location.href = base + href;
  });
  cy.on("mouseover", "node", () => (el.style.cursor = "pointer"));
  cy.on("mouseout", "node", () => (el.style.cursor = ""));
  window.msaMap = cy; // for tests and the curious: the cytoscape instance
}

function colour(n, by) {
  const d = typeof n.data === "function" ? n.data() : n;
  if (d.kind === "gateway") return "#5b2a86";
  if (d.kind === "legacy") return "#d0d7de";
  return (by === "database" ? COLOURS.database[d.database] : COLOURS.runtime[d.runtime]) || "#6e7781";
}

/**
 * A layered layout, callers above callees and producers above consumers (cytoscape's breadthfirst, directed),
 * rooted at what nothing calls (the gateway first); beyond a few hundred nodes a grid keeps the page responsive.
 * Both are deterministic: the same system draws the same map.
 */
function layoutFor(n, roots) {
  if (n > 250) return { name: "grid", avoidOverlap: true, padding: 20 };
  return {
    name: "breadthfirst",
    directed: true,
    spacingFactor: n < 30 ? 2.2 : 1.3,
    padding: 30,
    avoidOverlap: true,
    roots: roots.length ? roots : undefined,
  };
}

function startSearch() {
  const box = document.getElementById("search-box");
  const list = document.getElementById("search-results");
  if (!box || !list) return;
  const base = box.dataset.base || "";
  const entries = data.search.map((e) => ({ ...e, hay: `${e.title} ${e.detail}`.toLowerCase() }));
  let active = -1;
  const render = (q) => {
    list.textContent = "";
    active = -1;
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    if (!words.length) return void (list.hidden = true);
    const hits = entries
      .filter((e) => words.every((w) => e.hay.includes(w)))
      .sort((a, b) => rank(a, words) - rank(b, words) || (a.title < b.title ? -1 : 1))
      .slice(0, 30);
    for (const h of hits) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = base + h.href;
      a.setAttribute("role", "option");
      const kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = h.kind;
      const detail = document.createElement("span");
      detail.className = "detail";
      detail.textContent = h.detail;
      a.append(kind, document.createTextNode(h.title), detail);
      li.append(a);
      list.append(li);
    }
    if (!hits.length) {
      const li = document.createElement("li");
      li.textContent = "No match";
      li.style.padding = "6px 10px";
      list.append(li);
    }
    list.hidden = false;
  };
  const move = (d) => {
    const links = [...list.querySelectorAll("a")];
    if (!links.length) return;
    active = (active + d + links.length) % links.length;
    links.forEach((l, i) => l.setAttribute("aria-selected", String(i === active)));
    links[active].scrollIntoView({ block: "nearest" });
  };
  box.addEventListener("input", () => render(box.value));
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") (move(1), ev.preventDefault());
    else if (ev.key === "ArrowUp") (move(-1), ev.preventDefault());
    else if (ev.key === "Enter") {
      const links = list.querySelectorAll("a");
      const go = links[active >= 0 ? active : 0];
      if (go) window.location.href = go.href;
    } else if (ev.key === "Escape") (list.hidden = true);
  });
  document.addEventListener("click", (ev) => {
    if (!list.contains(ev.target) && ev.target !== box) list.hidden = true;
  });
}

/** Exact title first, then a title that starts with the query, then the rest. */
function rank(e, words) {
  const t = e.title.toLowerCase();
  const q = words.join(" ");
  return t === q ? 0 : t.startsWith(q) ? 1 : t.includes(q) ? 2 : 3;
}

startMap();
startSearch();
