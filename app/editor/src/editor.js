// Fnlab's function editor: CodeMirror 6 on every `[data-fnlab-editor]`
// element the page renders (now or later: client-side navigation adds them),
// wired to the REST API: Ctrl/Cmd-S saves the draft, Ctrl/Cmd-Enter (or the
// Deploy button) saves and deploys, the build's progress and log stream in
// from /api/v1/builds/{id}/events, compiler diagnostics become markers on
// their lines, and a test console calls the function's URL. A public
// function's page gets its source highlighted, read-only.
//
// The page (app/src/pages/function.rs) renders the markup; this file only
// finds it by data attributes, so either side can be read alone.

import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { indentWithTab } from "@codemirror/commands";
import { rust } from "@codemirror/lang-rust";
import { javascript } from "@codemirror/lang-javascript";
import { python } from "@codemirror/lang-python";
import { lintGutter, setDiagnostics } from "@codemirror/lint";

const LANGUAGES = { rust, javascript, python };
const STEPS = ["queued", "compiling", "storing", "live"];

const theme = EditorView.theme({
  "&": { fontSize: "14px", border: "1px solid #d0d7de", borderRadius: "6px" },
  ".cm-scroller": { fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", minHeight: "22em", maxHeight: "70vh" },
  "&.cm-focused": { outline: "2px solid #0969da33" },
});

/** Mounts the editor inside `root` (a `[data-fnlab-editor]` element). */
function mount(root) {
  if (root.fnlabEditor) return root.fnlabEditor;
  const name = root.dataset.function;
  const part = (role) => root.querySelector(`[data-role="${role}"]`);
  const host = part("editor");
  const status = part("status");
  const log = part("log");
  const problems = part("problems");
  const deployButton = part("deploy");
  const saveButton = part("save");
  const language = new Compartment();
  let saved = "";
  // The language the draft is saved in: the one it was loaded with.
  let sourceLanguage = "rust";
  let busy = false;

  const view = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: "",
      extensions: [
        Prec.highest(keymap.of([
          { key: "Mod-s", preventDefault: true, run: () => { save(); return true; } },
          { key: "Mod-Enter", preventDefault: true, run: () => { deploy(); return true; } },
        ])),
        basicSetup,
        keymap.of([indentWithTab]),
        language.of(rust()),
        lintGutter(),
        theme,
        EditorView.updateListener.of((update) => {
          if (update.docChanged) showDirty();
        }),
      ],
    }),
  });

  const source = () => view.state.doc.toString();
  const dirty = () => source() !== saved;
  // What the user started from: the saved draft, or the template offered
  // for an uploaded component. Leaving asks only when they changed it.
  let baseline = "";
  const edited = () => source() !== baseline;
  function showDirty() {
    root.classList.toggle("dirty", dirty());
    if (saveButton) saveButton.textContent = dirty() ? "Save" : "Saved";
  }
  function say(text, kind) {
    status.textContent = text;
    status.dataset.kind = kind || "info";
  }
  function setSource(text, lang) {
    sourceLanguage = LANGUAGES[lang] ? lang : "rust";
    view.dispatch({
      changes: { from: 0, to: view.state.doc.length, insert: text },
      effects: language.reconfigure((LANGUAGES[lang] || rust)()),
    });
    saved = text;
    showDirty();
  }

  async function api(method, path, body) {
    const response = await fetch(`/api/v1${path}`, {
      method,
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    const json = await response.json().catch(() => ({}));
    return { status: response.status, json };
  }

  async function load() {
    say("Loading the source…");
    const answer = await api("GET", `/functions/${name}`);
    if (answer.status === 200 && answer.json.draft) {
      setSource(answer.json.draft.source, answer.json.draft.language);
      baseline = source();
      say("Ready. Ctrl/Cmd-S saves, Ctrl/Cmd-Enter deploys.");
      return;
    }
    // An uploaded component has no source: offer the hello template.
    const templates = await api("GET", "/templates");
    const hello = (templates.json || [])[0];
    setSource(hello ? hello.source : "", "rust");
    saved = "";
    baseline = source();
    showDirty();
    say("This function has no source yet (it was uploaded as a component). Deploying this replaces it.");
  }

  async function save() {
    const answer = await api("PUT", `/functions/${name}`, { language: sourceLanguage, source: source() });
    if (answer.status === 200 || answer.status === 201) {
      saved = source();
      baseline = saved;
      showDirty();
      say("Saved.", "ok");
      return true;
    }
    say(answer.json.error ? answer.json.error.message : `Saving failed (${answer.status}).`, "error");
    return false;
  }

  function showProgress(state, position) {
    root.querySelectorAll("[data-step]").forEach((step) => {
      const at = STEPS.indexOf(state);
      const index = STEPS.indexOf(step.dataset.step);
      step.classList.toggle("done", index < at || state === "live");
      step.classList.toggle("current", index === at && state !== "live");
    });
    const words = {
      queued: position > 0 ? `Queued behind ${position} build(s)…` : "Queued…",
      compiling: "Compiling…",
      storing: "Storing and loading the component…",
    };
    if (words[state]) say(words[state], "busy");
  }

  function showDiagnostics(list) {
    const doc = view.state.doc;
    const at = (line, column) => {
      const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
      return l.from + Math.min(Math.max(column - 1, 0), l.length);
    };
    const diagnostics = list.map((d) => {
      const from = at(d.line, d.column);
      let to = at(d.end_line, d.end_column);
      if (to <= from) to = Math.min(from + 1, doc.length);
      const severity = d.severity === "error" ? "error" : d.severity === "warning" ? "warning" : "info";
      return { from, to, severity, message: d.message };
    });
    view.dispatch(setDiagnostics(view.state, diagnostics));
    problems.replaceChildren(...list.map((d) => {
      const item = document.createElement("li");
      item.className = d.severity;
      const place = document.createElement("button");
      place.type = "button";
      place.textContent = `line ${d.line}:${d.column}`;
      place.addEventListener("click", () => {
        const pos = at(d.line, d.column);
        view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
        view.focus();
      });
      const text = document.createElement("span");
      text.textContent = ` ${d.severity}: ${d.message.split("\n")[0]}`;
      item.append(place, text);
      return item;
    }));
  }

  async function deploy() {
    if (busy) return;
    busy = true;
    deployButton.disabled = true;
    log.textContent = "";
    showDiagnostics([]);
    try {
      if (dirty() && !(await save())) return;
      const answer = await api("POST", `/functions/${name}/deploy?wait=false`);
      if (answer.status !== 202) {
        say(answer.json.error ? answer.json.error.message : `Deploy failed (${answer.status}).`, "error");
        return;
      }
      await follow(answer.json.build_id);
    } finally {
      busy = false;
      deployButton.disabled = false;
    }
  }

  function follow(id) {
    return new Promise((resolve) => {
      const events = new EventSource(`/api/v1/builds/${id}/events`);
      events.addEventListener("state", (e) => {
        const data = JSON.parse(e.data);
        showProgress(data.state, data.queue_position);
      });
      events.addEventListener("log", (e) => {
        log.textContent += JSON.parse(e.data).text;
        log.scrollTop = log.scrollHeight;
      });
      events.addEventListener("done", (e) => {
        events.close();
        const build = JSON.parse(e.data);
        showDiagnostics(build.diagnostics || []);
        if (build.state === "live") {
          showProgress("live", 0);
          say(`Version ${build.version} is live (built in ${(build.build_ms / 1000).toFixed(1)} s).`, "ok");
          root.dispatchEvent(new CustomEvent("fnlab-deployed", { bubbles: true, detail: build }));
        } else {
          root.querySelectorAll("[data-step]").forEach((s) => s.classList.remove("current"));
          say(`Build failed: ${build.error.message}. The live version is unchanged.`, "error");
        }
        resolve();
      });
      events.onerror = () => {
        if (events.readyState === EventSource.CLOSED) {
          say("Lost the connection to the build; reload to see how it ended.", "error");
          resolve();
        }
      };
    });
  }

  deployButton.addEventListener("click", deploy);
  if (saveButton) saveButton.addEventListener("click", save);
  window.addEventListener("beforeunload", (e) => {
    if (root.isConnected && edited()) e.preventDefault();
  });
  load();
  root.fnlabEditor = { view, source, save, deploy, dirty, edited };
  return root.fnlabEditor;
}

/** Wires a `[data-fnlab-console]` test console. Its "HTTP request" tab
 * sends any method, path, headers and body to the function's URL; its
 * "Event" tab invokes the function directly with a JSON event (the
 * function's saved test events, kept on the server, or a sample of a
 * trigger's event). Either shows status, duration, the answer and the
 * invocation's log. */
function mountConsole(root) {
  if (root.fnlabConsole) return;
  root.fnlabConsole = true;
  const name = root.dataset.function;
  const base = root.dataset.url.replace(/\/$/, "");
  const field = (n) => root.querySelector(`[name="${n}"]`);
  const out = (role) => root.querySelector(`[data-role="${role}"]`);
  const storeKey = `fnlab-test-request:${name}`;
  const remembered = JSON.parse(localStorage.getItem(storeKey) || "null");
  if (remembered) for (const key of ["method", "path", "headers", "body"]) field(key).value = remembered[key];

  for (const tab of root.querySelectorAll("[data-tab]")) {
    tab.addEventListener("click", () => {
      for (const other of root.querySelectorAll("[data-tab]")) {
        const shown = other === tab;
        other.setAttribute("aria-selected", String(shown));
        root.querySelector(`[data-panel="${other.dataset.tab}"]`).hidden = !shown;
      }
    });
  }
  // On a public page only the HTTP tab works: the rest is the owner's.
  const isPublic = "public" in root.dataset;
  if (!isPublic) mountEvents(root, name, field, out);

  root.querySelector('[data-panel="http"]').addEventListener("submit", async (e) => {
    e.preventDefault();
    const request = {
      method: field("method").value,
      path: field("path").value || "/",
      headers: field("headers").value,
      body: field("body").value,
    };
    localStorage.setItem(storeKey, JSON.stringify(request));
    const headers = new Headers();
    for (const line of request.headers.split("\n")) {
      const at = line.indexOf(":");
      if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
    }
    out("status").textContent = "Sending…";
    const started = performance.now();
    try {
      const response = await fetch(base + (request.path.startsWith("/") ? "" : "/") + request.path, {
        method: request.method,
        headers,
        body: ["GET", "HEAD"].includes(request.method) ? undefined : request.body,
        credentials: "omit",
      });
      const text = await response.text();
      const ms = performance.now() - started;
      out("status").textContent = `${response.status} ${response.statusText} · ${ms.toFixed(0)} ms`;
      out("headers").textContent = [...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
      out("body").textContent = text;
      if (!isPublic) showLogs(response.headers.get("fnlab-request-id"));
    } catch (error) {
      out("status").textContent = `The request failed: ${error.message}`;
    }
  });

  async function showLogs(requestId) {
    out("logs").textContent = "Waiting for the log…";
    for (let i = 0; i < 30 && requestId; i++) {
      const response = await fetch(`/api/v1/functions/${name}/invocations?limit=20`, { credentials: "same-origin" });
      const list = response.ok ? await response.json() : [];
      const record = list.find((r) => r.request_id === requestId);
      if (record) {
        const usage = `CPU ${(record.cpu_us / 1000).toFixed(2)} ms · memory ${(record.peak_memory_bytes / 1048576).toFixed(1)} MiB · ${record.outcome}`;
        out("logs").textContent = `${usage}\n${record.stdout}${record.stderr}` || usage;
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    out("logs").textContent = "(no log found)";
  }
}

/** Events to start from, one per trigger, shaped as the platforms that
 * deliver them shape them. */
const SAMPLE_EVENTS = {
  "Textbook hello": { name: "Aditya" },
  "API Gateway request": {
    httpMethod: "GET",
    path: "/",
    queryStringParameters: { name: "Ann" },
    headers: { accept: "*/*" },
    body: null,
    isBase64Encoded: false,
  },
  "Scheduled event": {
    version: "0",
    id: "7bf73129-1428-4cd3-a780-95db273d1602",
    "detail-type": "Scheduled Event",
    source: "aws.events",
    time: "2026-12-04T12:00:00Z",
    resources: ["schedule/every-5-minutes"],
    detail: {},
  },
  "SQS message": {
    Records: [
      {
        messageId: "059f36b4-87a3-44ab-83d2-661975830a7d",
        body: '{"task": "send-welcome", "user": "ann"}',
        attributes: { ApproximateReceiveCount: "1", SentTimestamp: "1796400000000" },
        eventSource: "fnlab:queue",
      },
    ],
  },
  "S3 upload": {
    Records: [
      {
        eventSource: "fnlab:kv",
        eventName: "ObjectCreated:Put",
        eventTime: "2026-12-04T12:00:00Z",
        s3: { bucket: { name: "uploads" }, object: { key: "notes.txt", size: 1024 } },
      },
    ],
  },
};

/** The console's "Event" tab: saved test events (listed, saved, deleted
 * through `/api/v1/functions/{name}/test-events`), samples, and a direct
 * invoke through `POST /api/v1/functions/{name}/invoke`. */
function mountEvents(root, name, field, out) {
  const api = `/api/v1/functions/${name}`;
  // Made here, not by the page: its options change, and the page must
  // hydrate exactly what the server rendered.
  const select = document.createElement("select");
  select.name = "event";
  select.setAttribute("aria-label", "Test event");
  root.querySelector('[data-role="event-picker"]').append(select);
  const payload = field("payload");
  const saved = new Map();
  const fail = async (response) => {
    const json = await response.json().catch(() => ({}));
    return json.error ? json.error.message : `${response.status} ${response.statusText}`;
  };

  async function refresh(chosen) {
    const response = await fetch(`${api}/test-events`, { credentials: "same-origin" });
    const events = response.ok ? await response.json() : [];
    saved.clear();
    select.replaceChildren(new Option("New event", ""));
    const group = (label, names) => {
      if (!names.length) return;
      const optgroup = document.createElement("optgroup");
      optgroup.label = label;
      for (const [value, text] of names) optgroup.append(new Option(text, value));
      select.append(optgroup);
    };
    for (const event of events) saved.set(event.name, JSON.stringify(event.payload, null, 2));
    group("Saved", events.map((e) => [`saved:${e.name}`, e.name]));
    group("Samples", Object.keys(SAMPLE_EVENTS).map((k) => [`sample:${k}`, k]));
    if (chosen) select.value = chosen;
  }

  select.addEventListener("change", () => {
    const [kind, key] = [select.value.split(":", 1)[0], select.value.slice(select.value.indexOf(":") + 1)];
    if (kind === "saved") {
      payload.value = saved.get(key) ?? "";
      field("event-name").value = key;
    } else if (kind === "sample") {
      payload.value = JSON.stringify(SAMPLE_EVENTS[key], null, 2);
    }
  });

  root.querySelector('[data-role="save-event"]').addEventListener("click", async () => {
    const event = field("event-name").value.trim();
    if (!event) {
      out("status").textContent = "Name the event to save it (lowercase letters, digits and dashes).";
      return;
    }
    const response = await fetch(`${api}/test-events/${encodeURIComponent(event)}`, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: payload.value,
    });
    out("status").textContent = response.ok ? `Saved test event ${event}.` : `Not saved: ${await fail(response)}`;
    if (response.ok) await refresh(`saved:${event}`);
  });

  root.querySelector('[data-role="delete-event"]').addEventListener("click", async () => {
    if (!select.value.startsWith("saved:")) {
      out("status").textContent = "Choose a saved event to delete.";
      return;
    }
    const event = select.value.slice("saved:".length);
    const response = await fetch(`${api}/test-events/${encodeURIComponent(event)}`, {
      method: "DELETE",
      credentials: "same-origin",
    });
    out("status").textContent = response.ok ? `Deleted test event ${event}.` : `Not deleted: ${await fail(response)}`;
    if (response.ok) await refresh("");
  });

  root.querySelector('[data-panel="event"]').addEventListener("submit", async (e) => {
    e.preventDefault();
    out("status").textContent = "Invoking…";
    out("headers").textContent = "";
    const response = await fetch(`${api}/invoke`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: payload.value,
    }).catch((error) => ({ ok: false, status: 0, statusText: error.message, json: async () => ({}) }));
    if (!response.ok) {
      out("status").textContent = `Not invoked: ${await fail(response)}`;
      return;
    }
    const answer = await response.json();
    const dollars = (answer.cost_micros / 1e6).toFixed(9);
    out("status").textContent = `${answer.status} · ${answer.duration_ms.toFixed(1)} ms · $${dollars} · ${answer.request_id}`;
    out("body").textContent =
      typeof answer.result === "string" ? answer.result : JSON.stringify(answer.result, null, 2);
    out("logs").textContent = answer.logs || "(nothing printed)";
  });

  refresh("");
}

/** Shows the source of a version in a dialog, from a `[data-version-source]`
 * button's click. */
async function showVersionSource(button) {
  const { function: name, versionSource: version } = button.dataset;
  const response = await fetch(`/api/v1/functions/${name}/versions/${version}/source`, { credentials: "same-origin" });
  const json = await response.json().catch(() => ({}));
  let dialog = document.getElementById("fnlab-version-source");
  if (!dialog) {
    dialog = document.createElement("dialog");
    dialog.id = "fnlab-version-source";
    dialog.innerHTML = '<h2></h2><pre class="source"></pre><form method="dialog"><button>Close</button></form>';
    document.body.append(dialog);
  }
  dialog.querySelector("h2").textContent = `${name} v${version}`;
  dialog.querySelector("pre").textContent = response.ok ? json.source : json.error ? json.error.message : "Not found.";
  dialog.showModal();
}

/** Shows the source in a `[data-fnlab-source]` element's `data-source`
 * highlighted as its `data-language`, read-only (a public function's
 * page). */
function mountSource(root) {
  if (root.fnlabSource) return;
  root.fnlabSource = true;
  const language = LANGUAGES[root.dataset.language];
  new EditorView({
    parent: root,
    state: EditorState.create({
      doc: root.dataset.source || "",
      extensions: [
        basicSetup,
        language ? language() : [],
        theme,
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
      ],
    }),
  });
}

function scan() {
  document.querySelectorAll("[data-fnlab-editor]").forEach(mount);
  document.querySelectorAll("[data-fnlab-console]").forEach(mountConsole);
  document.querySelectorAll("[data-fnlab-source]").forEach(mountSource);
}

document.addEventListener("click", (e) => {
  const button = e.target.closest && e.target.closest("[data-version-source]");
  if (button) showVersionSource(button);
});

// A link inside Fnlab changes the page without unloading it, so
// `beforeunload` never asks: ask here, before the router sees the click.
document.addEventListener("click", (e) => {
  const link = e.target.closest && e.target.closest("a[href]");
  if (!link || link.target === "_blank") return;
  const unsaved = [...document.querySelectorAll("[data-fnlab-editor]")].some(
    (root) => root.fnlabEditor && root.fnlabEditor.edited(),
  );
  if (unsaved && !window.confirm("Your changes are not saved. Leave this page anyway?")) {
    e.preventDefault();
    e.stopImmediatePropagation();
  }
}, true);
new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
else scan();

window.FnlabEditor = { mount, version: "1" };
