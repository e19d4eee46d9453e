// The portal's only way to the HTTP API: adds the bearer token, and turns problem details into errors people can read.
import { t } from "./i18n.js";

const sessionKey = "ruralloans.session";

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(sessionKey) ?? "null");
  } catch {
    return null;
  }
}

export function saveSession(value) {
  sessionStorage.setItem(sessionKey, JSON.stringify(value));
}

export function clearSession() {
  sessionStorage.removeItem(sessionKey);
}

/** An API refusal: RFC 9457 problem details (title, detail, code) when the server sent them. */
export class ApiError extends Error {
  constructor(status, title, detail, code, errors) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.code = code;
    this.errors = errors;
  }
}

/**
 * fetch with the session's token. `json` sends a JSON body, `form` a FormData (multipart); the answer is parsed JSON,
 * or null for an empty body. A 401 ends the session and returns to the sign-in page.
 */
/** A file the API serves (a contract PDF): its bytes and headers, with the session's token. */
export async function apiFile(path) {
  const token = session()?.token;
  const response = await fetch(path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  if (!response.ok) {
    throw new ApiError(response.status, `HTTP ${response.status}`, "", "");
  }
  return { blob: await response.blob(), headers: response.headers };
}

export async function api(path, { method = "GET", json, form, signal } = {}) {
  const headers = { Accept: "application/json" };
  const token = session()?.token;
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }

  let response;
  try {
    response = await fetch(path, { method, headers, body, signal });
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    throw new ApiError(0, t("error.network"), "", "network");
  }

  const text = await response.text();
  let payload = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = { detail: text };
    }
  }
  if (response.ok) {
    return payload;
  }
  if (response.status === 401 && session()) {
    clearSession();
    sessionStorage.setItem("ruralloans.notice", t("error.signedOut"));
    location.assign("/");
  }
  throw new ApiError(
    response.status,
    payload?.title ?? `HTTP ${response.status}`,
    payload?.detail ?? "",
    payload?.code ?? payload?.extensions?.code ?? "",
    payload?.errors);
}
