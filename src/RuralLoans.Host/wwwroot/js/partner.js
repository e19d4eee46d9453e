// Partner page: upload forms (drag and drop or choose), follow each application through the five steps, correct fields.
import { api, apiFile } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { formatTime, formatYuan, language, onLanguageChange, t } from "./i18n.js";
import { displayStage, guarded, reasonText, showError, showNotice, stageBadge, startPage, terminalStages } from "./shell.js";

startPage("partner");

const fileInput = byId("file");
const dropZone = byId("drop-zone");
let chosenFile = null;
let applications = [];
let selectedId = null;
let selected = null;
let correctionKey = "";
// The application whose review was just requested: keep following it until the engine has moved it on.
let reviewRequestedFor = "";
let pollTimer = null;

// --- upload -----------------------------------------------------------------------------------------------

function choose(file) {
  chosenFile = file ?? null;
  byId("chosen").textContent = chosenFile ? t("partner.chosen", { name: chosenFile.name }) : "";
  dropZone.classList.toggle("has-file", Boolean(chosenFile));
}

fileInput.addEventListener("change", () => choose(fileInput.files[0]));
for (const name of ["dragenter", "dragover"]) {
  dropZone.addEventListener(name, event => {
    event.preventDefault();
    dropZone.classList.add("dragging");
  });
}
for (const name of ["dragleave", "drop"]) {
  dropZone.addEventListener(name, () => dropZone.classList.remove("dragging"));
}
dropZone.addEventListener("drop", event => {
  event.preventDefault();
  const file = event.dataTransfer?.files?.[0];
  if (file) {
    choose(file);
  }
});
dropZone.addEventListener("keydown", event => {
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    fileInput.click();
  }
});

byId("upload-form").addEventListener("submit", event => {
  event.preventDefault();
  if (!chosenFile) {
    showError({ title: t("partner.noFile") });
    return;
  }
  const button = byId("upload-button");
  guarded(async () => {
    button.disabled = true;
    button.textContent = t("partner.uploading");
    try {
      const form = new FormData();
      form.append("productCode", byId("product").value);
      form.append("file", chosenFile, chosenFile.name);
      const accepted = await api("/api/applications", { method: "POST", form });
      showNotice(t("partner.uploaded", { id: accepted.applicationId }));
      choose(null);
      fileInput.value = "";
      await loadApplications();
      select(accepted.applicationId);
    } finally {
      button.disabled = false;
      button.textContent = t("partner.uploadButton");
    }
  });
});

let products = [];

async function loadProducts() {
  const answer = await api("/api/products");
  products = Array.isArray(answer) ? answer : answer?.items ?? [];
  renderProducts();
}

function renderProducts() {
  const select = byId("product");
  const previous = select.value;
  fill(select, products.map(product => {
    const name = (language() === "en" ? product.nameEn : product.nameZh) ?? product.code;
    return h("option", { value: product.code }, `${name} (${product.code})`);
  }));
  if (previous) {
    select.value = previous;
  }
}

// --- list -------------------------------------------------------------------------------------------------

async function loadApplications() {
  const items = [];
  let continuationToken = "";
  // A partner's own list is short; read every page so nothing hides behind a "more" button.
  do {
    const query = new URLSearchParams({ pageSize: "50" });
    if (continuationToken) {
      query.set("continuationToken", continuationToken);
    }
    const page = await api(`/api/applications?${query}`);
    items.push(...(page?.items ?? []));
    continuationToken = page?.continuationToken ?? "";
  } while (continuationToken && items.length < 500);
  applications = items.sort((a, b) => String(b.submittedAt).localeCompare(String(a.submittedAt)));
  renderApplications();
}

function renderApplications() {
  const body = byId("applications").tBodies[0];
  fill(body, applications.map(item => h("tr", {
    class: item.applicationId === selectedId ? "selected" : "",
    dataset: { applicationId: item.applicationId },
    tabindex: "0",
    onclick: () => select(item.applicationId),
    onkeydown: event => event.key === "Enter" && select(item.applicationId),
  },
  h("td", {}, item.applicantName || h("code", {}, item.applicationId)),
  h("td", {}, item.productCode),
  h("td", { class: "number" }, formatYuan(item.requestedAmountYuan)),
  h("td", {}, stageBadge(item.stage)))));
  byId("applications-empty").hidden = applications.length > 0;
}

// --- one application --------------------------------------------------------------------------------------

function select(applicationId) {
  selectedId = applicationId;
  selected = null;
  correctionKey = "";
  renderApplications();
  poll();
}

/** Follows the selected application every second until it ends or another is picked. */
async function poll() {
  clearTimeout(pollTimer);
  const id = selectedId;
  if (!id) {
    return;
  }
  await guarded(async () => {
    const application = await api(`/api/applications/${encodeURIComponent(id)}`);
    if (id !== selectedId) {
      return;
    }
    selected = application;
    renderDetail();
    const row = applications.find(item => item.applicationId === id);
    if (row && row.stage !== displayStage(application)) {
      row.stage = displayStage(application);
      renderApplications();
    }
  });
  const stillDeclined = id === reviewRequestedFor && selected?.stage === "Declined";
  if (id === selectedId && (!terminalStages.has(displayStage(selected)) || stillDeclined)) {
    pollTimer = setTimeout(poll, 1000);
  }
}

function renderDetail() {
  byId("detail-empty").hidden = Boolean(selected);
  byId("detail-body").hidden = !selected;
  if (!selected) {
    return;
  }
  const app = selected;
  byId("detail-name").textContent = app.fields?.applicantName ?? "";
  byId("detail-id").textContent = app.applicationId;
  renderStepper(app);
  const stage = displayStage(app);
  fill(byId("detail-stage"), stageBadge(stage));
  byId("detail-text").textContent = stage === "Failed" && app.failure ? app.failure : app.detail ?? "";
  byId("detail-waiting").textContent = app.waitingUntilUtc && !terminalStages.has(stage) ? t("common.waitingUntil", { time: formatTime(app.waitingUntilUtc) }) : "";
  renderOutcome(app.outcome);
  renderCorrection(app);
  renderReviewRequest(app);
  renderContract(app);
}

/** The contract the borrower reads and accepts; the hash sent back is that of the PDF this page fetched. */
let contractFor = "";
let contractHash = "";
function renderContract(app) {
  const open = app.stage === "AwaitingContract" && app.status === "Running";
  byId("contract-form").hidden = !open;
  byId("contract-help").textContent = open ? t("partner.contractHelp", { time: formatTime(app.waitingUntilUtc) }) : "";
  if (!open || contractFor === app.applicationId) {
    return;
  }
  contractFor = app.applicationId;
  contractHash = "";
  guarded(async () => {
    const { blob, headers } = await apiFile(`/api/applications/${encodeURIComponent(app.applicationId)}/contract`);
    contractHash = headers.get("X-Contract-Sha256") ?? "";
    byId("contract-link").href = URL.createObjectURL(blob);
    byId("contract-hash").textContent = contractHash.slice(0, 12);
  });
}

byId("contract-form").addEventListener("submit", event => {
  event.preventDefault();
  const id = selectedId;
  guarded(async () => {
    if (!contractHash) {
      const { headers } = await apiFile(`/api/applications/${encodeURIComponent(id)}/contract`);
      contractHash = headers.get("X-Contract-Sha256") ?? "";
    }
    await api(`/api/applications/${encodeURIComponent(id)}/contract/acceptance`, { method: "POST", json: { contractSha256: contractHash } });
    showNotice(t("partner.contractAccepted"));
    byId("contract-form").hidden = true;
    poll();
  });
});

/** An automated decline may still be reviewed by a person (PIPL Art. 24) while its window is open. */
function renderReviewRequest(app) {
  const open = app.stage === "Declined" && app.status === "Running" && Boolean(app.waitingUntilUtc);
  byId("review-request-form").hidden = !open;
  byId("review-request-help").textContent = open ? t("partner.reviewRequestHelp", { time: formatTime(app.waitingUntilUtc) }) : "";
}

function renderStepper(app) {
  const current = Number(app.step) || 1;
  const stage = displayStage(app);
  const finished = stage === "Disbursed";
  const stopped = stage === "Declined" || stage === "Expired" || stage === "Failed";
  fill(byId("stepper"), [1, 2, 3, 4, 5].map(step => {
    const state = finished || step < current ? "done" : step > current ? "pending" : stopped ? "stopped" : "current";
    return h("li", { class: `step ${state}`, dataset: { step: String(step), state } },
      h("span", { class: "step-number" }, state === "done" ? "✓" : state === "stopped" ? "✗" : String(step)),
      h("span", { class: "step-name" }, t(`step.${step}`)));
  }));
}

function renderOutcome(outcome) {
  const area = byId("outcome");
  if (!outcome) {
    area.replaceChildren();
    return;
  }
  fill(area, h("div", { class: "outcome", "data-testid": "outcome" },
    h("h3", {}, t("partner.outcome")),
    h("p", {}, outcome.summary ?? ""),
    outcome.score !== null && outcome.score !== undefined ? h("p", {}, t("partner.score", { score: Number(outcome.score).toFixed(1) })) : null,
    (outcome.reasons ?? []).length ? h("ul", { class: "reasons" }, outcome.reasons.map(reason => h("li", {},
      h("code", {}, reason.code ?? ""), " ", reasonText(reason)))) : null,
    (outcome.split ?? []).length ? h("table", { class: "list compact" },
      h("tbody", {}, outcome.split.map(part => h("tr", {},
        h("td", {}, part.lenderName ?? part.lenderId),
        h("td", { class: "number" }, formatYuan(part.amountYuan)))))) : null,
    outcome.disbursementId ? h("p", {}, h("code", {}, t("partner.disbursement", { id: outcome.disbursementId }))) : null));
}

/** The correction form, prefilled with what was read and the validator's complaints; left alone while it is unchanged so typing is not lost. */
function renderCorrection(app) {
  const form = byId("correction-form");
  const errors = app.stage === "NeedsCorrection" ? app.errors ?? [] : [];
  const key = JSON.stringify([app.applicationId, errors, language()]);
  if (key === correctionKey) {
    return;
  }
  correctionKey = key;
  form.hidden = errors.length === 0;
  const byField = new Map();
  for (const error of errors) {
    byField.set(error.field, [...(byField.get(error.field) ?? []), error]);
  }
  fill(byId("correction-fields"), [...byField].map(([field, fieldErrors]) => h("div", { class: "field" },
    h("label", { for: `correct-${field}` }, t(`field.${field}`) === `field.${field}` ? field : t(`field.${field}`)),
    h("input", { id: `correct-${field}`, name: field, value: app.fields?.[field] ?? "", required: true, maxlength: "1000", "aria-invalid": "true" }),
    fieldErrors.map(error => h("p", { class: "field-error" },
      (language() === "en" ? error.messageEn : error.messageZh) ?? error.message ?? "", h("code", {}, ` ${error.code ?? ""}`))))));
}

byId("correction-form").addEventListener("submit", event => {
  event.preventDefault();
  const id = selectedId;
  const fields = Object.fromEntries([...byId("correction-fields").querySelectorAll("input")].map(input => [input.name, input.value.trim()]));
  guarded(async () => {
    await api(`/api/applications/${encodeURIComponent(id)}/corrections`, { method: "POST", json: { fields } });
    showNotice(t("partner.correctionSent"));
    byId("correction-form").hidden = true;
    poll();
  });
});

byId("review-request-form").addEventListener("submit", event => {
  event.preventDefault();
  const id = selectedId;
  const reason = byId("review-request-reason").value.trim();
  guarded(async () => {
    await api(`/api/applications/${encodeURIComponent(id)}/review-request`, { method: "POST", json: { reason } });
    reviewRequestedFor = id;
    showNotice(t("partner.reviewRequested"));
    byId("review-request-form").hidden = true;
    byId("review-request-reason").value = "";
    poll();
  });
});

byId("refresh").addEventListener("click", () => guarded(loadApplications));

onLanguageChange(() => {
  renderProducts();
  renderApplications();
  correctionKey = "";
  renderDetail();
  if (chosenFile) {
    choose(chosenFile);
  }
});

guarded(loadProducts);
guarded(loadApplications);
setInterval(() => guarded(loadApplications), 5000);
