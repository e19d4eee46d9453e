// Sign-in: in development the host mints a token for the chosen role and subject; in production Entra ID does.
import { api, ApiError, saveSession, session } from "./api.js";
import { byId, fill, h } from "./dom.js";
import { onLanguageChange, t, translate } from "./i18n.js";
import { guarded, pageOfRole, renderHeader, showError } from "./shell.js";

// The demo's accounts (config/partners.json), offered as suggestions; any subject may be typed.
const suggestions = {
  partner: ["MFI001", "MFI002"],
  "village-partner": ["VP-WANG", "VP-LI"],
  auditor: ["AUD-01"],
  operator: ["OP-01"],
};

const role = byId("role");
const subject = byId("subject");
const note = byId("mode-note");

function offerSubjects() {
  fill(byId("subjects"), suggestions[role.value].map(value => h("option", { value })));
  // Another role's account makes no sense for this one; a typed account of the same role stays.
  if (!subject.value || Object.entries(suggestions).some(([other, values]) => other !== role.value && values.includes(subject.value))) {
    subject.value = suggestions[role.value][0];
  }
}

function productionMode() {
  note.dataset.i18n = "signin.prodNote";
  note.classList.add("production");
  translate();
}

const existing = session();
if (existing && pageOfRole[existing.role]) {
  location.replace(pageOfRole[existing.role]);
}

renderHeader(null);
onLanguageChange(() => renderHeader(null));
role.addEventListener("change", offerSubjects);
offerSubjects();
translate();

const notice = sessionStorage.getItem("ruralloans.notice");
if (notice) {
  sessionStorage.removeItem("ruralloans.notice");
  showError({ title: notice });
}

byId("signin-form").addEventListener("submit", event => {
  event.preventDefault();
  guarded(async () => {
    try {
      const answer = await api("/api/dev/tokens", { method: "POST", json: { role: role.value, subject: subject.value.trim() } });
      saveSession({ token: answer.token, role: role.value, subject: subject.value.trim() });
      location.assign(pageOfRole[role.value]);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        // No development tokens here: this is a production deployment, where Entra ID signs people in.
        productionMode();
        showError({ title: t("signin.unavailable") });
        return;
      }
      throw error;
    }
  });
});
