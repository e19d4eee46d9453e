// What every signed-in page shares: the header (who is signed in, language, sign out), the role check and messages.
import { clearSession, session } from "./api.js";
import { h, byId, fill } from "./dom.js";
import { language, onLanguageChange, t, toggleLanguage, translate } from "./i18n.js";

export const pageOfRole = {
  partner: "/partner.html",
  "village-partner": "/village.html",
  auditor: "/auditor.html",
  operator: "/operator.html",
};

/** Starts a page for one role: without a matching session it goes back to sign-in. Returns the session. */
export function startPage(role) {
  const current = session();
  if (!current || current.role !== role) {
    location.replace("/");
    throw new Error("not signed in for this page");
  }
  renderHeader(current);
  onLanguageChange(() => renderHeader(current));
  translate();
  return current;
}

/** The header alone, for the sign-in page. */
export function renderHeader(current) {
  const header = byId("shell");
  fill(header,
    h("a", { class: "brand", href: current ? pageOfRole[current.role] : "/" },
      h("span", { class: "brand-mark", "aria-hidden": "true" }, "贷"),
      h("span", { class: "brand-name" }, t("app.name"))),
    h("div", { class: "header-tools" },
      current ? h("span", { class: "who", "data-testid": "who" }, t("nav.signedInAs", { role: t(`role.${current.role}`), subject: current.subject })) : null,
      h("button", { type: "button", class: "link-button", id: "language-toggle", onclick: toggleLanguage }, t("lang.switch")),
      current ? h("button", {
        type: "button", class: "link-button", id: "sign-out", onclick: () => {
          clearSession();
          location.assign("/");
        },
      }, t("nav.signOut")) : null));
}

let messageTimer;

/** Shows an API error (its problem-details title, detail and code) or any other error at the top of the page. */
export function showError(error) {
  const area = byId("messages");
  const title = error?.title || t("error.title");
  const detail = error?.detail || (error?.title ? "" : error?.message) || "";
  const code = error?.code ? ` (${error.code})` : "";
  fill(area, h("div", { class: "message error", role: "alert", "data-testid": "error" },
    h("strong", {}, title), detail ? h("span", {}, ` ${detail}${code}`) : code ? h("span", {}, code) : null,
    h("button", { type: "button", class: "dismiss", "aria-label": t("common.close"), onclick: () => area.replaceChildren() }, "×")));
  clearTimeout(messageTimer);
}

/** A passing confirmation that clears itself. */
export function showNotice(text) {
  const area = byId("messages");
  fill(area, h("div", { class: "message notice", role: "status", "data-testid": "notice" }, text));
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => area.replaceChildren(), 8000);
}

/** Runs an action, showing its error instead of letting it vanish into the console. */
export async function guarded(action) {
  try {
    return await action();
  } catch (error) {
    if (error?.name !== "AbortError") {
      showError(error);
    }
    return undefined;
  }
}

export const terminalStages = new Set(["Disbursed", "Declined", "Expired", "Failed", "PayoutFailed", "PayoutReturned"]);

/** The stage to show: an instance the engine gave up on is Failed whatever step it stopped at. */
export function displayStage(application) {
  return application?.status === "Failed" || application?.status === "Terminated" ? "Failed" : application?.stage;
}

/** The stage as a coloured badge. */
export function stageBadge(stage) {
  const tone = stage === "Disbursed" ? "good" : stage === "Declined" || stage === "Expired" || stage === "Failed" || stage?.startsWith("Payout") && stage !== "PayoutUnconfirmed" ? "bad"
    : stage === "NeedsCorrection" || stage?.startsWith("Awaiting") || stage === "PayoutUnconfirmed" ? "wait" : "busy";
  return h("span", { class: `badge ${tone}`, dataset: { stage: stage ?? "" } }, stage ? t(`stage.${stage}`) : "—");
}

/** A reason code's text in the reader's language (reasons carry both). */
export function reasonText(reason) {
  if (typeof reason === "string") {
    return reason;
  }
  return (language() === "en" ? reason.en : reason.zh) ?? reason.text ?? reason.message ?? "";
}
