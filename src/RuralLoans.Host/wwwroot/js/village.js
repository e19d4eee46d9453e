// Village partner on a phone: pending pre-checks, the checklist, photos from the camera, and the answer.
import { api } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { formatTime, formatYuan, onLanguageChange, t } from "./i18n.js";
import { guarded, showNotice, startPage } from "./shell.js";

startPage("village-partner");

const shownFields = ["applicantName", "village", "township", "householdSize", "landAreaMu", "farmingProject", "requestedAmountYuan", "purpose"];
let pending = [];
let current = null;
let previews = [];

async function loadPending() {
  const page = await api("/api/applications?pageSize=50");
  pending = page?.items ?? [];
  renderPending();
}

function renderPending() {
  fill(byId("pending"), pending.map(item => h("li", {},
    h("button", { type: "button", class: "tile", dataset: { applicationId: item.applicationId }, onclick: () => open(item.applicationId) },
      h("span", { class: "tile-title" }, item.applicantName || item.applicationId),
      h("span", { class: "tile-line" }, [item.village, item.productCode].filter(Boolean).join(" · ")),
      h("span", { class: "tile-line strong" }, formatYuan(item.requestedAmountYuan)),
      item.waitingUntilUtc ? h("span", { class: "tile-line muted" }, t("village.deadline", { time: formatTime(item.waitingUntilUtc) })) : null))));
  byId("pending-empty").hidden = pending.length > 0;
}

async function open(applicationId) {
  const application = await guarded(() => api(`/api/applications/${encodeURIComponent(applicationId)}`));
  if (!application) {
    return;
  }
  current = application;
  byId("check-form").reset();
  showPhotos([]);
  renderCheck();
  byId("list-view").hidden = true;
  byId("check-view").hidden = false;
  window.scrollTo(0, 0);
}

function renderCheck() {
  if (!current) {
    return;
  }
  const fields = current.fields ?? {};
  byId("check-name").textContent = fields.applicantName ?? current.applicationId;
  fill(byId("check-facts"), shownFields.filter(name => fields[name]).map(name => [
    h("dt", {}, t(`field.${name}`)),
    h("dd", {}, name === "requestedAmountYuan" ? formatYuan(fields[name]) : fields[name]),
  ]), [h("dt", {}, t("common.applicationId")), h("dd", {}, h("code", {}, current.applicationId))],
  current.waitingUntilUtc ? [h("dt", {}, t("village.deadline", { time: "" }).trim()), h("dd", {}, formatTime(current.waitingUntilUtc))] : []);
}

function showPhotos(files) {
  for (const url of previews) {
    URL.revokeObjectURL(url);
  }
  previews = files.map(file => URL.createObjectURL(file));
  fill(byId("thumbnails"), previews.map(url => h("img", { src: url, alt: "" })));
  byId("photo-count").textContent = files.length ? t("village.photoCount", { count: files.length }) : "";
}

byId("photos").addEventListener("change", event => showPhotos([...event.target.files]));

function back() {
  current = null;
  byId("check-view").hidden = true;
  byId("list-view").hidden = false;
  guarded(loadPending);
}

async function answer(approve) {
  const id = current.applicationId;
  const form = new FormData();
  form.append("approve", String(approve));
  for (const name of ["identitySeen", "householdRegisterSeen", "homesteadCertificateSeen"]) {
    form.append(name, String(byId("check-form").elements[name].checked));
  }
  form.append("remarks", byId("remarks").value.trim());
  for (const photo of byId("photos").files) {
    form.append("photos", photo, photo.name);
  }
  const buttons = [byId("approve"), byId("reject")];
  buttons.forEach(button => (button.disabled = true));
  try {
    await guarded(async () => {
      await api(`/api/applications/${encodeURIComponent(id)}/precheck`, { method: "POST", form });
      showNotice(t("village.sent"));
      back();
    });
  } finally {
    buttons.forEach(button => (button.disabled = false));
  }
}

byId("approve").addEventListener("click", () => answer(true));
byId("reject").addEventListener("click", () => answer(false));
byId("back").addEventListener("click", back);
byId("refresh").addEventListener("click", () => guarded(loadPending));
onLanguageChange(() => {
  renderPending();
  renderCheck();
  showPhotos([...byId("photos").files]);
});

guarded(loadPending);
setInterval(() => {
  if (!current) {
    guarded(loadPending);
  }
}, 5000);
