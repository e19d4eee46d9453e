// Auditor: every history event with its payload, the score breakdown and split as recorded, and a one-click replay.
import { api } from "./api.js";
import { byId, fill, h, s } from "./dom.js";
import { formatTime, formatYuan, onLanguageChange, t } from "./i18n.js";
import { guarded, reasonText, stageBadge, startPage } from "./shell.js";

startPage("auditor");

let applications = [];
let openId = null;
let view = null;
let verdict = null;

async function loadApplications() {
  const page = await api("/api/applications?pageSize=100");
  applications = (page?.items ?? []).sort((a, b) => String(b.submittedAt).localeCompare(String(a.submittedAt)));
  renderApplications();
}

function renderApplications() {
  fill(byId("applications"), applications.map(item => h("li", {},
    h("button", {
      type: "button", class: item.applicationId === openId ? "pick selected" : "pick", dataset: { applicationId: item.applicationId },
      onclick: () => openApplication(item.applicationId),
    },
    h("span", { class: "pick-title" }, item.applicantName || item.applicationId),
    h("span", { class: "pick-line" }, stageBadge(item.stage), " ", h("span", { class: "muted" }, item.partnerId ?? ""))))));
}

async function openApplication(applicationId) {
  openId = applicationId;
  verdict = null;
  renderApplications();
  const id = encodeURIComponent(applicationId);
  await guarded(async () => {
    const [status, history, decisions] = await Promise.all([
      api(`/api/applications/${id}`),
      api(`/api/applications/${id}/history`),
      api(`/api/applications/${id}/decisions`),
    ]);
    if (applicationId !== openId) {
      return;
    }
    view = { status, events: history?.events ?? [], decisions: listOf(decisions) };
    render();
  });
}

function listOf(answer) {
  return Array.isArray(answer) ? answer : answer?.decisions ?? answer?.items ?? [];
}

function render() {
  if (!view) {
    return;
  }
  const { status, events, decisions } = view;
  byId("summary").hidden = false;
  byId("decisions").hidden = false;
  byId("timeline-card").hidden = false;
  byId("summary-name").textContent = status.fields?.applicantName ?? "";
  byId("summary-id").textContent = status.applicationId;
  fill(byId("summary-stage"), stageBadge(status.stage), " ", h("span", { class: "muted" }, status.detail ?? ""));
  renderScore(latest(decisions, "DataScoring"));
  renderSplit(latest(decisions, "CoLendingSplit"));
  renderTimeline(events);
  renderVerdict();
}

/** The last recorded decision of a step (steps that repeat carry a round suffix in their name). */
function latest(decisions, step) {
  const matching = decisions.filter(decision => String(decision.step ?? decision.name ?? "").startsWith(step));
  return matching.at(-1) ?? null;
}

// --- score breakdown: one bar per scorecard feature, its points against the most it could have given ---------

function renderScore(decision) {
  const area = byId("score");
  const output = decision?.output ?? decision?.result;
  const features = output?.featurePoints ?? output?.features ?? [];
  if (!output || features.length === 0) {
    fill(area, h("p", { class: "muted" }, t("auditor.noScore")));
    return;
  }
  const rowHeight = 30;
  const labelWidth = 150;
  const barWidth = 260;
  const valueWidth = 70;
  const width = labelWidth + barWidth + valueWidth;
  const height = features.length * rowHeight + 8;
  const low = Math.min(0, ...features.map(f => f.points));
  const high = Math.max(1, ...features.map(f => Math.max(f.points, f.maxPoints ?? f.points)));
  const x = value => labelWidth + ((value - low) / (high - low)) * barWidth;

  const chart = s("svg", {
    class: "score-chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "data-testid": "score-chart",
    "aria-label": t("auditor.scoreTotal", { score: Number(output.score).toFixed(1), base: Number(output.basePoints ?? 0).toFixed(1) }),
  },
  features.map((feature, index) => {
    const y = index * rowHeight + 4;
    const lost = feature.maxPoints !== undefined && feature.points < feature.maxPoints - 0.05;
    return s("g", { class: lost ? "feature lost" : "feature", dataset: { feature: feature.feature } },
      s("title", {}, `${feature.feature} · ${feature.bin}: ${Number(feature.points).toFixed(1)} / ${Number(feature.maxPoints ?? feature.points).toFixed(1)}`),
      s("text", { x: labelWidth - 8, y: y + rowHeight / 2, class: "label", "text-anchor": "end", "dominant-baseline": "middle" }, feature.feature),
      feature.maxPoints !== undefined ? s("rect", { class: "possible", x: x(Math.min(0, feature.maxPoints)), y: y + 5, height: rowHeight - 12, width: Math.abs(x(feature.maxPoints) - x(0)) }) : null,
      s("rect", { class: "points", x: Math.min(x(0), x(feature.points)), y: y + 5, height: rowHeight - 12, width: Math.max(1, Math.abs(x(feature.points) - x(0))) }),
      s("text", { x: labelWidth + barWidth + 6, y: y + rowHeight / 2, class: "value", "dominant-baseline": "middle" }, Number(feature.points).toFixed(1)));
  }),
  s("line", { class: "axis", x1: x(0), x2: x(0), y1: 0, y2: height }));

  const reasons = output.reasons ?? [];
  fill(area,
    h("p", { class: "score-total" }, t("auditor.scoreTotal", { score: Number(output.score).toFixed(1), base: Number(output.basePoints ?? 0).toFixed(1) }),
      output.outcome ? [" · ", h("strong", {}, output.outcome)] : null),
    output.modelVersion ? h("p", { class: "muted small" }, t("auditor.model", { model: `${output.modelId ?? ""} ${output.modelVersion}`.trim(), policy: output.policyVersion ?? "" }),
      output.modelId ? [" · ", h("a", { href: `/models/${encodeURIComponent(output.modelId)}/${encodeURIComponent(output.modelVersion)}/card.txt`, target: "_blank", rel: "noopener", "data-testid": "model-card" }, t("auditor.modelCard"))] : null) : null,
    h("div", { class: "chart-scroll" }, chart),
    h("h3", {}, t("auditor.reasons")),
    reasons.length
      ? h("ul", { class: "reasons", "data-testid": "reasons" }, reasons.map(reason => h("li", {}, h("code", {}, reason.code ?? ""), " ", reasonText(reason))))
      : h("p", { class: "muted" }, t("common.none")));
}

// --- split table ------------------------------------------------------------------------------------------

function renderSplit(decision) {
  const area = byId("split");
  const output = decision?.output ?? decision?.result;
  const allocations = output?.split?.allocations ?? [];
  const names = new Map((output?.lenders ?? []).map(lender => [lender.lenderId, lender.lenderName]));
  const rows = allocations.length ? allocations : output?.lenders ?? [];
  if (!output || rows.length === 0) {
    fill(area, h("p", { class: "muted" }, output?.reason ?? t("auditor.noSplit")));
    return;
  }
  const percent = value => (value === undefined || value === null ? "" : `${(Number(value) * 100).toFixed(2)}%`);
  fill(area,
    h("table", { class: "list", "data-testid": "split-table" },
      h("thead", {}, h("tr", {},
        h("th", {}, t("auditor.lender")), h("th", { class: "number" }, t("auditor.share")),
        h("th", { class: "number" }, t("auditor.lenderAmount")), h("th", { class: "number" }, t("auditor.rate")))),
      h("tbody", {}, rows.map(row => h("tr", {},
        h("td", {}, names.get(row.lenderId) ?? row.lenderName ?? row.lenderId, h("div", { class: "muted small" }, row.lenderId)),
        h("td", { class: "number" }, percent(row.share)),
        h("td", { class: "number" }, formatYuan(row.amountYuan)),
        h("td", { class: "number" }, percent(row.annualRate)))))),
    output.split?.ruleSetVersion ? h("p", { class: "muted small" }, `${output.split.productId ?? ""} ${output.split.productVersion ?? ""} · ${output.split.ruleSetVersion}`) : null);
}

// --- timeline ---------------------------------------------------------------------------------------------

function renderTimeline(events) {
  byId("event-count").textContent = t("auditor.events", { count: events.length });
  fill(byId("timeline"), events.map(event => h("li", { class: "event", dataset: { sequence: String(event.sequence), type: event.type ?? "" } },
    h("div", { class: "event-head" },
      h("span", { class: "sequence" }, `#${event.sequence}`),
      h("strong", {}, event.type ?? ""),
      event.name ? h("span", { class: "event-name" }, event.name) : null,
      h("time", { datetime: event.timestamp ?? "" }, formatTime(event.timestamp))),
    payload(t("auditor.input"), event.input),
    payload(t("auditor.result"), event.result),
    h("div", { class: "hashes muted small" },
      h("span", { title: event.hash ?? "" }, `${t("auditor.hash")} ${short(event.hash)}`),
      h("span", { title: event.previousHash ?? "" }, `${t("auditor.previousHash")} ${short(event.previousHash)}`)))));
}

function payload(label, value) {
  if (value === null || value === undefined || value === "") {
    return null;
  }
  const text = typeof value === "string" ? pretty(value) : JSON.stringify(value, null, 2);
  return h("details", { class: "payload" }, h("summary", {}, label), h("pre", {}, text));
}

/** History payloads are JSON stored as text; indent them when they are. */
function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function short(hash) {
  return hash ? `${String(hash).slice(0, 12)}…` : "—";
}

// --- replay -----------------------------------------------------------------------------------------------

byId("replay").addEventListener("click", () => {
  const id = openId;
  const button = byId("replay");
  button.disabled = true;
  button.textContent = t("auditor.replaying");
  guarded(async () => {
    const answer = await api(`/api/applications/${encodeURIComponent(id)}/audit`);
    if (id === openId) {
      verdict = answer;
      renderVerdict();
    }
  }).finally(() => {
    button.disabled = false;
    button.textContent = t("auditor.replay");
  });
});

function renderVerdict() {
  const area = byId("verdict");
  if (!verdict) {
    area.replaceChildren();
    return;
  }
  fill(area,
    h("p", { class: verdict.verified ? "verdict good" : "verdict bad", dataset: { verified: String(Boolean(verdict.verified)) } },
      t(verdict.verified ? "auditor.verified" : "auditor.notVerified")),
    h("table", { class: "list compact" },
      h("thead", {}, h("tr", {}, h("th", {}, t("auditor.status")), h("th", {}, t("auditor.step")), h("th", {}, t("auditor.difference")))),
      h("tbody", {}, (verdict.steps ?? []).map(step => {
        const status = String(step.status);
        const kind = status === "verified" ? "ok" : status === "not-applicable" ? "skipped" : "bad";
        return h("tr", { class: kind, dataset: { status } },
          h("td", { class: "mark" }, kind === "ok" ? "✓" : kind === "skipped" ? "–" : "✗"),
          h("td", {}, step.name),
          h("td", {}, kind === "skipped" ? h("span", { class: "muted" }, t("auditor.notApplicable")) : step.difference ? h("code", {}, step.difference) : ""));
      }))));
}

byId("open-form").addEventListener("submit", event => {
  event.preventDefault();
  openApplication(byId("open-id").value.trim());
});
onLanguageChange(() => {
  renderApplications();
  render();
});

guarded(loadApplications);
