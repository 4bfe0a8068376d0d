// A stand-in Consul agent for the tests (no Consul binary is installable here), written from Consul's HTTP API
// documentation (developer.hashicorp.com/consul/api-docs): exactly the endpoints the generated clients use.
//
//   PUT /v1/agent/service/register          body: { Name, ID?, Address?, Port?, Check?: {…}, Checks?: [{…}] }
//                                           → 200 (empty body); 400 "Missing service name" / invalid JSON / bad check
//   PUT /v1/agent/service/deregister/:id    → 200 (empty body); 404 "Unknown service ID …"
//   GET /v1/health/service/:name[?passing]  → 200 [{ Node: {…}, Service: { ID, Service, Address, Port, … },
//                                             Checks: [{ CheckID, Name, Status, ServiceID, ServiceName, Output, … }] }]
//                                             (an unknown name: []); with passing only entries whose checks all pass;
//                                             X-Consul-Index header
//   GET /v1/agent/services                  → 200 { "<id>": { ID, Service, Address, Port, … } }
// Any other method on these paths: 405. The check runner behaves as the agent's: a new HTTP check starts
// critical, runs at once and then every Interval, GET with the check's Timeout (default 10 s); 2xx passing,
// 429 warning, anything else (or no answer) critical; DeregisterCriticalServiceAfter reaps a service whose check
// stayed critical that long. Every request's X-Consul-Token is recorded (tokens are not enforced).
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type CheckStatus = "passing" | "warning" | "critical";

interface CheckState {
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  HTTP: string;
  Method: string;
  intervalMs: number;
  timeoutMs: number;
  deregisterAfterMs: number | null;
  criticalSince: number | null;
  timer?: NodeJS.Timeout;
  runs: number;
}

interface ServiceState {
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
  checks: CheckState[];
}

export interface ConsulStandin {
  url: string;
  port: number;
  /** Registered services by id (with their checks' state). */
  services(): Map<string, { name: string; address: string; port: number; checks: { id: string; http: string; status: CheckStatus; runs: number }[] }>;
  /** Every request seen: method, path (with query), token header. */
  requests: { method: string; path: string; token: string | null }[];
  /** Stops listening and the check runner; open connections are cut (as a killed agent's would be). */
  stop(): Promise<void>;
}

const NODE = "standin-node";

/** A Go duration as Consul reads it ("10s", "1m30s", "500ms", "2h"): milliseconds; null when it is not one. */
export function parseDuration(text: unknown): number | null {
  if (typeof text === "number") return text / 1e6; // nanoseconds, as the API also accepts
  if (typeof text !== "string" || !text) return null;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Consul's JSON decoder matches field names case-insensitively: look a key up that way. */
function field(obj: Record<string, unknown>, name: string): unknown {
  const k = Object.keys(obj).find((x) => x.toLowerCase() === name.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

export async function startConsulStandin(opts: { port?: number } = {}): Promise<ConsulStandin> {
  const services = new Map<string, ServiceState>();
  const requests: ConsulStandin["requests"] = [];
  let index = 1;
  let stopped = false;

  const runCheck = async (svc: ServiceState, c: CheckState): Promise<void> => {
    if (stopped || !services.has(svc.ID)) return;
    let status: CheckStatus;
    let output: string;
    try {
      const res = await fetch(c.HTTP, { method: c.Method, signal: AbortSignal.timeout(c.timeoutMs), redirect: "follow" });
      const body = (await res.text()).slice(0, 4096);
      status = res.status >= 200 && res.status < 300 ? "passing" : res.status === 429 ? "warning" : "critical";
      output = `HTTP ${c.Method} ${c.HTTP}: ${res.status} ${res.statusText} Output: ${body}`;
    } catch (e) {
      status = "critical";
      output = `Get "${c.HTTP}": ${e instanceof Error ? e.message : String(e)}`;
    }
    if (stopped || !services.has(svc.ID)) return;
    c.runs++;
    if (status !== c.Status) index++;
    c.Status = status;
    c.Output = output;
    if (status === "critical") {
      c.criticalSince ??= Date.now();
      if (c.deregisterAfterMs !== null && Date.now() - c.criticalSince >= c.deregisterAfterMs) {
        removeService(svc.ID);
        return;
      }
    } else c.criticalSince = null;
    c.timer = setTimeout(() => void runCheck(svc, c), c.intervalMs);
  };

  const removeService = (id: string): boolean => {
    const svc = services.get(id);
    if (!svc) return false;
    for (const c of svc.checks) clearTimeout(c.timer);
    services.delete(id);
    index++;
    return true;
  };

  const send = (res: ServerResponse, status: number, body?: unknown, text?: string): void => {
    res.setHeader("X-Consul-Index", String(index));
    res.setHeader("X-Consul-Knownleader", "true");
    res.setHeader("X-Consul-Lastcontact", "0");
    if (body !== undefined) {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    } else {
      res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8" });
      res.end(text ?? "");
    }
  };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      let data = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (data += chunk));
      req.on("end", () => resolve(data));
      req.on("error", reject);
    });

  const register = (raw: Record<string, unknown>): string | null => {
    const name = field(raw, "Name");
    if (typeof name !== "string" || !name) return "Missing service name";
    const id = (field(raw, "ID") as string | undefined) || name;
    const checkDefs = [field(raw, "Check"), ...((field(raw, "Checks") as unknown[] | undefined) ?? [])].filter((c): c is Record<string, unknown> => !!c && typeof c === "object");
    const checks: CheckState[] = [];
    for (const [i, def] of checkDefs.entries()) {
      const url = field(def, "HTTP");
      const interval = parseDuration(field(def, "Interval"));
      if (typeof url !== "string" || !url) return "Invalid check: only HTTP checks are implemented by this stand-in";
      if (interval === null || interval <= 0) return "Invalid check: HTTP checks must have an interval";
      const timeout = parseDuration(field(def, "Timeout"));
      const dereg = parseDuration(field(def, "DeregisterCriticalServiceAfter"));
      checks.push({
        CheckID: (field(def, "CheckID") as string | undefined) || (checkDefs.length > 1 ? `service:${id}:${i + 1}` : `service:${id}`),
        Name: (field(def, "Name") as string | undefined) || `Service '${name}' check`,
        Status: "critical",
        Output: "",
        ServiceID: id,
        ServiceName: name,
        HTTP: url,
        Method: (field(def, "Method") as string | undefined) || "GET",
        intervalMs: interval,
        timeoutMs: timeout ?? 10_000,
        deregisterAfterMs: dereg,
        criticalSince: Date.now(),
        runs: 0,
      });
    }
    removeService(id); // re-registering an id replaces it
    const svc: ServiceState = {
      ID: id,
      Service: name,
      Address: (field(raw, "Address") as string | undefined) ?? "",
      Port: Number(field(raw, "Port") ?? 0),
      Tags: (field(raw, "Tags") as string[] | undefined) ?? [],
      Meta: (field(raw, "Meta") as Record<string, string> | undefined) ?? {},
      checks,
    };
    services.set(id, svc);
    index++;
    for (const c of checks) void runCheck(svc, c);
    return null;
  };

  const serviceJson = (s: ServiceState) => ({
    ID: s.ID,
    Service: s.Service,
    Tags: s.Tags,
    Address: s.Address,
    Meta: s.Meta,
    Port: s.Port,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    Datacenter: "dc1",
  });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://consul.invalid");
    const token = (req.headers["x-consul-token"] as string | undefined) ?? null;
    requests.push({ method: req.method ?? "", path: url.pathname + url.search, token });
    const body = await readBody(req);
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (p === "/v1/agent/service/register") {
      if (req.method !== "PUT") return send(res, 405, undefined, "method not allowed");
      let raw: unknown;
      try {
        raw = JSON.parse(body);
      } catch {
        return send(res, 400, undefined, "Request decode failed: invalid character");
      }
      if (!raw || typeof raw !== "object") return send(res, 400, undefined, "Request decode failed");
      const problem = register(raw as Record<string, unknown>);
      return problem ? send(res, 400, undefined, problem) : send(res, 200);
    }
    if ((m = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(p))) {
      if (req.method !== "PUT") return send(res, 405, undefined, "method not allowed");
      const id = decodeURIComponent(m[1]!);
      return removeService(id) ? send(res, 200) : send(res, 404, undefined, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    }
    if ((m = /^\/v1\/health\/service\/(.+)$/.exec(p))) {
      if (req.method !== "GET") return send(res, 405, undefined, "method not allowed");
      const name = decodeURIComponent(m[1]!);
      // ?passing, ?passing=true, ?passing=1 filter; ?passing=false does not
      const passingParam = url.searchParams.get("passing");
      const passing = passingParam !== null && passingParam !== "false" && passingParam !== "0";
      const serf = { Node: NODE, CheckID: "serfHealth", Name: "Serf Health Status", Status: "passing", Notes: "", Output: "Agent alive and reachable", ServiceID: "", ServiceName: "", ServiceTags: [], Type: "", Definition: {} };
      const entries = [...services.values()]
        .filter((s) => s.Service === name)
        .filter((s) => !passing || s.checks.every((c) => c.Status === "passing"))
        .sort((a, b) => (a.ID < b.ID ? -1 : 1))
        .map((s) => ({
          Node: { ID: "00000000-0000-0000-0000-000000000001", Node: NODE, Address: "127.0.0.1", Datacenter: "dc1", TaggedAddresses: {}, Meta: {} },
          Service: serviceJson(s),
          Checks: [
            serf,
            ...s.checks.map((c) => ({ Node: NODE, CheckID: c.CheckID, Name: c.Name, Status: c.Status, Notes: "", Output: c.Output, ServiceID: c.ServiceID, ServiceName: c.ServiceName, ServiceTags: s.Tags, Type: "http", Definition: {} })),
          ],
        }));
      return send(res, 200, entries);
    }
    if (p === "/v1/agent/services") {
      if (req.method !== "GET") return send(res, 405, undefined, "method not allowed");
      return send(res, 200, Object.fromEntries([...services.values()].map((s) => [s.ID, serviceJson(s)])));
    }
    send(res, 404, undefined, "404 page not found");
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    services: () =>
      new Map(
        [...services.values()].map((s) => [
          s.ID,
          { name: s.Service, address: s.Address, port: s.Port, checks: s.checks.map((c) => ({ id: c.CheckID, http: c.HTTP, status: c.Status, runs: c.runs })) },
        ]),
      ),
    async stop() {
      stopped = true;
      for (const s of services.values()) for (const c of s.checks) clearTimeout(c.timer);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
