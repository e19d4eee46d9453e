// Interface language: Chinese by default, English on request. The choice is remembered per browser.
import zh from "../i18n/zh.js";
import en from "../i18n/en.js";

const dictionaries = { zh, en };
const storageKey = "ruralloans.lang";
const listeners = [];

let current = dictionaries[localStorage.getItem(storageKey)] ? localStorage.getItem(storageKey) : "zh";

export function language() {
  return current;
}

/** The text for a key with {placeholders} filled in; a missing key shows itself so it is noticed, not hidden. */
export function t(key, params = {}) {
  const text = dictionaries[current][key] ?? dictionaries.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** Fills every element marked data-i18n (text), data-i18n-placeholder and data-i18n-title under root. */
export function translate(root = document) {
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-placeholder]")) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
  for (const element of root.querySelectorAll("[data-i18n-title]")) {
    element.title = t(element.dataset.i18nTitle);
  }
}

/** Pages re-render their dynamic parts (tables, charts) through this when the language changes. */
export function onLanguageChange(listener) {
  listeners.push(listener);
}

export function setLanguage(next) {
  current = dictionaries[next] ? next : "zh";
  localStorage.setItem(storageKey, current);
  translate();
  for (const listener of listeners) {
    listener(current);
  }
}

export function toggleLanguage() {
  setLanguage(current === "zh" ? "en" : "zh");
}

/** Dates and amounts the way the reader expects them in the chosen language. */
export function formatTime(value) {
  if (!value) {
    return "";
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString(current === "zh" ? "zh-CN" : "en-GB", { hour12: false });
}

export function formatYuan(value) {
  if (value === null || value === undefined || value === "") {
    return "";
  }
  const number = Number(value);
  const amount = Number.isFinite(number)
    ? number.toLocaleString(current === "zh" ? "zh-CN" : "en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    : String(value);
  return t("common.yuan", { amount });
}
