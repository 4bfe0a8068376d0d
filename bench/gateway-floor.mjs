// The floor of the gateway bench: the smallest keep-alive reverse proxy node:http allows — no auth, no
// limits, no logs. What the generated gateway is compared with (it must reach ≥ 0.85× its requests/s).
// usage: PORT=… UPSTREAM=http://127.0.0.1:… node bench/gateway-floor.mjs
import http from "node:http";

const upstream = new URL(process.env.UPSTREAM);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "host"]);

http
  .createServer((req, res) => {
    const headers = {};
    for (const k in req.headers) if (!HOP.has(k)) headers[k] = req.headers[k];
    const out = http.request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
      (up) => {
        const back = {};
        for (const k in up.headers) if (!HOP.has(k)) back[k] = up.headers[k];
        res.writeHead(up.statusCode ?? 502, back);
        up.pipe(res);
      },
    );
    out.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(out);
  })
  .listen(Number(process.env.PORT), "127.0.0.1");
