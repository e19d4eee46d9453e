// Operator: decide referred applications, and retry failed instances from the step that failed.
import { api } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { formatTime, formatYuan, onLanguageChange, t } from "./i18n.js";
import { guarded, showNotice, startPage } from "./shell.js";

startPage("operator");

let queue = [];
let failed = [];
// Notes typed for a row survive the periodic refresh.
const notes = new Map();

async function loadQueue() {
  const page = await api("/api/applications?stage=AwaitingHumanReview&pageSize=100");
  queue = page?.items ?? [];
  renderQueue();
}

async function loadFailed() {
  const answer = await api("/api/operations/instances?status=Failed");
  failed = (answer?.items ?? []).map(item => ({ id: item.instanceId, name: item.name, status: item.status, stage: item.stage, reason: item.failure, at: item.lastUpdatedAt }));
  renderFailed();
}

function renderQueue() {
  const active = document.activeElement?.dataset?.noteFor;
  fill(byId("review-queue").tBodies[0], queue.map(item => {
    const note = h("input", {
      class: "note-input", maxlength: "1000", dataset: { noteFor: item.applicationId }, value: notes.get(item.applicationId) ?? "",
      "aria-label": t("operator.note"),
      oninput: event => notes.set(item.applicationId, event.target.value),
    });
    return h("tr", { dataset: { applicationId: item.applicationId } },
      h("td", {}, item.applicantName ?? "", h("div", { class: "muted small" }, h("code", {}, item.applicationId))),
      h("td", {}, item.partnerId ?? ""),
      h("td", {}, item.village ?? ""),
      h("td", { class: "number" }, formatYuan(item.requestedAmountYuan)),
      h("td", {}, formatTime(item.submittedAt)),
      h("td", {}, note),
      h("td", { class: "actions" },
        h("button", { type: "button", class: "danger", dataset: { action: "decline" }, onclick: () => decide(item.applicationId, false) }, t("operator.decline")),
        h("button", { type: "button", class: "primary", dataset: { action: "approve" }, onclick: () => decide(item.applicationId, true) }, t("operator.approve"))));
  }));
  byId("review-empty").hidden = queue.length > 0;
  if (active) {
    byId("review-queue").querySelector(`[data-note-for="${CSS.escape(active)}"]`)?.focus();
  }
}

function renderFailed() {
  fill(byId("failed").tBodies[0], failed.map(item => h("tr", { dataset: { instanceId: item.id ?? "" } },
    h("td", {}, item.id ? h("code", {}, item.id) : "—", item.name ? h("div", { class: "muted small" }, item.name) : null),
    h("td", {}, item.status ?? "", item.stage ? h("div", { class: "muted small" }, item.stage) : null),
    h("td", { class: "wrap" }, item.reason ?? ""),
    h("td", {}, formatTime(item.at)),
    h("td", { class: "actions" }, item.id
      ? h("button", { type: "button", dataset: { action: "retry" }, onclick: () => retry(item.id) }, t("operator.retry"))
      : null))));
  byId("failed-empty").hidden = failed.length > 0;
}

function decide(applicationId, approve) {
  guarded(async () => {
    await api(`/api/applications/${encodeURIComponent(applicationId)}/review`, { method: "POST", json: { approve, note: notes.get(applicationId) ?? "" } });
    notes.delete(applicationId);
    queue = queue.filter(item => item.applicationId !== applicationId);
    renderQueue();
    showNotice(t("operator.decided", { id: applicationId }));
  });
}

function retry(instanceId) {
  guarded(async () => {
    await api(`/api/operations/instances/${encodeURIComponent(instanceId)}/retry`, { method: "POST" });
    showNotice(t("operator.retried", { id: instanceId }));
    await loadFailed();
  });
}

function refresh() {
  guarded(loadQueue);
  guarded(loadFailed);
}

byId("refresh").addEventListener("click", refresh);
onLanguageChange(() => {
  renderQueue();
  renderFailed();
});
refresh();
setInterval(refresh, 5000);
