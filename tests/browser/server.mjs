// The servers the browser tests run against, all on 127.0.0.1 at random
// ports:
//
// - a FaultMaven-compatible API that records every request and can be
//   told to fail in the ways a real server does;
// - a page server for the fixture pages, with the headers each one needs
//   (a strict CSP, for one);
// - a recording proxy the browser sends all its traffic through, so a
//   test can prove that nothing went anywhere but these servers;
// - a "foreign" server that stands for every other origin: redirects and
//   `Location` headers point there, and nothing must ever reach it.
import { createServer, request } from "node:http";
import { readFile } from "node:fs/promises";
import { once } from "node:events";
import { generatedPage } from "./generated.mjs";

const PAGES = new URL("./pages/", import.meta.url);

/// Pages served from another page's file with extra headers.
const VARIANTS = {
  "strict-csp.html": {
    file: "incident.html",
    headers: { "Content-Security-Policy": "script-src 'self'" },
  },
};

/// An HTTP server on 127.0.0.1 at a random port.
class Listener {
  constructor(handle) {
    this.server = createServer(handle);
  }

  async start() {
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.origin = `http://127.0.0.1:${this.server.address().port}`;
    return this;
  }

  async stop() {
    this.server.closeAllConnections();
    this.server.close();
  }
}

/// A server that records every request it receives before answering it.
class Recorder extends Listener {
  constructor(respond) {
    super(async (req, res) => {
      const body = await readBody(req);
      const record = { method: req.method, path: req.url, headers: req.headers, body: body.toString("utf8") };
      this.requests.push(record);
      await respond(req, res, record, body);
    });
    this.requests = [];
  }
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function json(response, status, body, headers = {}) {
  response.writeHead(status, { "Content-Type": "application/json", ...headers });
  response.end(JSON.stringify(body));
}

/// Parses a multipart body the way a server would, with the platform's
/// own parser.
async function formFields(body, contentType) {
  const form = await new Response(body, {
    headers: { "Content-Type": contentType },
  }).formData();
  const fields = {};
  for (const [name, value] of form.entries()) {
    fields[name] = typeof value === "string" ? value : `<file ${value.name}>`;
  }
  return fields;
}

export class FaultMaven extends Recorder {
  constructor() {
    // `requests` holds every request, in order: method, path, headers,
    // body text and, for multipart bodies, the fields.
    super((req, res, record, body) => this.handle(req, res, record, body));
    /// Access tokens and who they belong to; refresh tokens likewise.
    this.tokens = new Map([["fm-test-token", "oncall"]]);
    this.refreshTokens = new Map();
    this.issued = 0;
    /// Seconds a token from sign-in or refresh lasts.
    this.tokenLifetime = 3600;
    this.cases = [];
    this.turns = [];
    /// Planned failures, consumed in order.
    this.failures = [];
    this.idempotent = new Map();
    this.dashboardUrl = "http://127.0.0.1:1";
    /// Set to a `Location` to answer the next turn 202 with it.
    this.acceptNextTurnAt = null;
    this.results = new Map();
  }

  /// Makes the next `times` requests whose path starts with `match` (and
  /// whose method is `method`, if given) fail: with `status`, `headers`
  /// and `body`, after `delayMs`; or, with `down`, by closing the
  /// connection without an answer, as a server that is not there.
  fail(match, { method, status = 500, headers = {}, body, delayMs = 0, times = 1, down = false } = {}) {
    this.failures.push({ match, method, status, headers, body, delayMs, times, down });
  }

  /// Makes the next `times` matching requests wait `delayMs`, then answers
  /// them as usual.
  slow(match, delayMs, { method, times = 1 } = {}) {
    this.failures.push({ match, method, delayMs, times, slow: true });
  }

  /// Makes every request fail as if nothing listened, until `up()`.
  down() {
    this.fail("/", { down: true, times: Infinity });
  }

  up() {
    this.failures = this.failures.filter((f) => !(f.down && f.match === "/"));
  }

  /// The turns submitted, with their form fields.
  turnRequests() {
    return this.requests.filter((r) => r.method === "POST" && /\/turns$/.test(r.path));
  }

  async handle(req, res, record, body) {
    const url = new URL(req.url, this.origin);
    const contentType = req.headers["content-type"] ?? "";
    if (contentType.startsWith("multipart/form-data")) {
      record.fields = await formFields(body, contentType);
    }

    const failure = this.failures.find(
      (f) => url.pathname.startsWith(f.match) && f.times > 0 && (!f.method || f.method === req.method),
    );
    if (failure) {
      failure.times -= 1;
      if (failure.delayMs) {
        await new Promise((r) => setTimeout(r, failure.delayMs));
      }
      if (failure.down) {
        res.socket.destroy();
        return;
      }
      if (failure.slow) {
        this.route(req.method, url, record, res);
        return;
      }
      res.writeHead(failure.status, { "Content-Type": "application/json", ...failure.headers });
      res.end(JSON.stringify(failure.body ?? { detail: `planned failure ${failure.status}` }));
      return;
    }
    this.route(req.method, url, record, res);
  }

  /// The user the request's bearer token belongs to, if it is valid.
  user(record) {
    const auth = record.headers.authorization ?? "";
    return auth.startsWith("Bearer ") ? this.tokens.get(auth.slice(7)) : undefined;
  }

  /// A sign-in's answer: fresh tokens for `username`.
  signIn(username) {
    this.issued += 1;
    const access = `fm-access-${this.issued}`;
    const refresh = `fm-refresh-${this.issued}`;
    this.tokens.set(access, username);
    this.refreshTokens.set(refresh, username);
    return {
      access_token: access,
      token_type: "bearer",
      expires_in: this.tokenLifetime,
      refresh_token: refresh,
      session_id: `session-${this.issued}`,
      user: { user_id: `u-${username}`, username, email: `${username}@example.com` },
    };
  }

  /// Answers a write again from its first result when its idempotency
  /// key repeats, as FaultMaven does.
  replay(record, res) {
    const key = record.headers["idempotency-key"];
    const first = key && this.idempotent.get(key);
    if (!first) {
      return false;
    }
    json(res, first.status, first.body, { "X-Idempotency-Replayed": "true" });
    return true;
  }

  remember(record, status, body) {
    const key = record.headers["idempotency-key"];
    if (key) {
      this.idempotent.set(key, { status, body });
    }
  }

  route(method, url, record, res) {
    const path = url.pathname;
    if (method === "GET" && path === "/health") {
      return json(res, 200, { status: "healthy" });
    }
    if (method === "GET" && path === "/v1/meta/capabilities") {
      return json(res, 200, {
        deploymentMode: "standalone",
        dashboardUrl: this.dashboardUrl,
        features: {},
        limits: { maxFileBytes: 10 * 1024 * 1024, allowedExtensions: [".txt", ".log"] },
      });
    }
    if (method === "GET" && path === "/api/v1/auth/config") {
      return json(res, 200, {
        auth_mode: "local",
        supports_registration: true,
        login_endpoint: "/api/v1/auth/login",
      });
    }
    if (method === "POST" && path === "/api/v1/auth/login") {
      const { username = "" } = JSON.parse(record.body || "{}");
      if (username.length < 3 || username.length > 50) {
        return json(res, 422, { detail: "username must have 3 to 50 characters" });
      }
      return json(res, 200, this.signIn(username));
    }
    if (method === "POST" && path === "/api/v1/auth/refresh") {
      const { refresh_token: token } = JSON.parse(record.body || "{}");
      const username = this.refreshTokens.get(token);
      if (!username) {
        return json(res, 401, { detail: "refresh token expired" });
      }
      this.refreshTokens.delete(token);
      return json(res, 200, this.signIn(username));
    }
    const user = this.user(record);
    if (!user) {
      return json(res, 401, { detail: "Not authenticated" });
    }
    if (method === "POST" && path === "/api/v1/auth/logout") {
      this.tokens.delete(record.headers.authorization.slice(7));
      return json(res, 200, { ok: true });
    }
    if (method === "GET" && path === "/api/v1/auth/me") {
      return json(res, 200, { user_id: `u-${user}`, username: user, email: `${user}@example.com` });
    }
    const result = /^\/api\/v1\/turn-results\/(\d+)$/.exec(path);
    if (method === "GET" && result && this.results.has(result[1])) {
      return json(res, 200, this.results.get(result[1]));
    }
    if (method === "GET" && path === "/api/v1/cases") {
      const cases = this.cases.filter((c) => !c.is_terminal);
      return json(res, 200, { cases, total_count: cases.length, limit: 20, offset: 0, has_more: false });
    }
    if (method === "POST" && path === "/api/v1/cases") {
      if (this.replay(record, res)) {
        return;
      }
      const input = JSON.parse(record.body || "{}");
      const now = new Date().toISOString();
      const created = {
        case_id: `case-${this.cases.length + 1}`,
        title: input.title || `Case-261203-${this.cases.length + 1}`,
        state: "inquiry",
        created_at: now,
        updated_at: now,
        last_activity_at: now,
        is_terminal: false,
      };
      this.cases.push(created);
      this.remember(record, 201, created);
      return json(res, 201, created);
    }
    const turn = /^\/api\/v1\/cases\/([^/]+)\/turns$/.exec(path);
    if (method === "POST" && turn) {
      if (this.replay(record, res)) {
        return;
      }
      const known = this.cases.find((c) => c.case_id === decodeURIComponent(turn[1]));
      if (!known) {
        return json(res, 404, { detail: "Case not found" });
      }
      this.turns.push({ caseId: known.case_id, fields: record.fields });
      const body = {
        agent_response: "Looking at the evidence: the API gateway returns 502 after the deploy.",
        turn_number: this.turns.filter((t) => t.caseId === known.case_id).length,
        case_state: "investigating",
        milestones_completed: [],
        progress_made: true,
        attachments_processed: [],
      };
      if (this.acceptNextTurnAt !== null) {
        // Accepted for processing: the answer waits at `Location`.
        const location = this.acceptNextTurnAt.replace("{n}", String(this.turns.length));
        this.acceptNextTurnAt = null;
        this.results.set(String(this.turns.length), body);
        return json(res, 202, { status: "processing" }, { Location: location });
      }
      this.remember(record, 200, body);
      return json(res, 200, body);
    }
    return json(res, 404, { detail: "Not Found" });
  }

}

/// Serves tests/browser/pages/, recording every request.
export class Pages extends Recorder {
  constructor() {
    super(async (req, res) => {
      const url = new URL(req.url, "http://x");
      if (url.pathname === "/generated/page.html") {
        const kib = Number(url.searchParams.get("kib") ?? 1024);
        const elements = Number(url.searchParams.get("elements") ?? 10000);
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        res.end(generatedPage({ kib, elements }));
        return;
      }
      if (url.pathname === "/slow.png") {
        // A resource that keeps its page loading for `ms` milliseconds.
        // (The timer does not keep the test process alive.)
        await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms") ?? 10_000)).unref());
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("no image");
        return;
      }
      const name = url.pathname.slice(1) || "index.html";
      const { file = name, headers = {} } = VARIANTS[name] ?? {};
      try {
        const page = await readFile(new URL(file, PAGES));
        res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", ...headers });
        res.end(page);
      } catch {
        res.writeHead(404, { "Content-Type": "text/plain" });
        res.end("no such page");
      }
    });
  }

  url(name) {
    return `${this.origin}/${name}`;
  }
}

/// Answers everything with 200 and records it: the stand-in for every
/// origin the extension must never talk to.
export class Foreign extends Recorder {
  constructor() {
    super((req, res) => json(res, 200, { ok: true }));
  }
}

/// An HTTP proxy that records every request the browser makes and
/// forwards only those to `allowed` origins; anything else is dropped
/// and stays in `refused`. The browser itself calls home now and then
/// (Chromium's updater and sign-in checks), so `refused` is not empty
/// even when the extension behaves; the extension's own requests are
/// told apart by the browser shim.
export class Proxy extends Listener {
  constructor(allowed) {
    super((req, res) => this.forward(req, res));
    this.allowed = allowed;
    this.requests = [];
    this.refused = [];
    this.server.on("connect", (req, socket) => {
      // TLS tunnels: nothing in these tests uses https, so any is
      // somewhere it should not be.
      this.refused.push({ method: "CONNECT", url: req.url });
      socket.end("HTTP/1.1 502 Refused\r\n\r\n");
    });
  }

  forward(req, res) {
    const target = new URL(req.url);
    const entry = { method: req.method, url: req.url, origin: target.origin };
    this.requests.push(entry);
    if (!this.allowed().includes(target.origin)) {
      // The browser's own calls home land here too; their bodies are kept
      // so a test can check that none of them carries anything planted.
      // Refused the way the network refuses: the connection drops, so the
      // browser sees "nothing answers" rather than a proxy's error page.
      this.refused.push(entry);
      readBody(req).then((body) => {
        entry.body = body.toString("utf8");
        res.socket.destroy();
      });
      return;
    }
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (!/^proxy-/i.test(req.rawHeaders[i])) {
        headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
      }
    }
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: target.pathname + target.search, headers },
      (answer) => {
        res.writeHead(answer.statusCode, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  }
}
