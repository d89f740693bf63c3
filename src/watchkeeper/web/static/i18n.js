// The page's words in English, French, Italian and Arabic. Catalogs are JSON files
// shipped with the node (/web/locales/<lang>.json): flat keys to a string with
// `{name}` placeholders, or to plural forms ({"one": ..., "other": ...}, Arabic all six
// CLDR categories) chosen by Intl.PluralRules on `vars.count`. Arabic lays the page out
// right to left; identifiers (MMSI, IMO, call signs), coordinates and times are left
// to right wherever they appear (see `ltr`).

export const LANGUAGES = {
  en: { name: "English", dir: "ltr" },
  fr: { name: "Français", dir: "ltr" },
  it: { name: "Italiano", dir: "ltr" },
  ar: { name: "العربية", dir: "rtl" },
};
export const FALLBACK = "en";
const STORE = "watchkeeper.lang";

let lang = FALLBACK;
let catalog = {};
let fallback = {};
let plurals = new Intl.PluralRules(FALLBACK);
const listeners = new Set();

export function language() {
  return lang;
}

// The language remembered for `user` (or this browser), else the browser's own.
export function preferred(user) {
  const stored = (user && localStorage.getItem(`${STORE}.${user}`)) || localStorage.getItem(STORE);
  if (stored && stored in LANGUAGES) return stored;
  for (const tag of navigator.languages ?? []) {
    const base = tag.slice(0, 2).toLowerCase();
    if (base in LANGUAGES) return base;
  }
  return FALLBACK;
}

export function remember(user, chosen) {
  localStorage.setItem(STORE, chosen);
  if (user) localStorage.setItem(`${STORE}.${user}`, chosen);
}

async function fetchCatalog(code) {
  const response = await fetch(`/web/locales/${code}.json`);
  if (!response.ok) throw new Error(`no catalog for ${code}: HTTP ${response.status}`);
  return response.json();
}

// Load `code`'s catalog, set <html lang dir>, translate the document, tell listeners.
export async function setLanguage(code) {
  if (!(code in LANGUAGES)) code = FALLBACK;
  if (!Object.keys(fallback).length) fallback = await fetchCatalog(FALLBACK);
  catalog = code === FALLBACK ? fallback : await fetchCatalog(code);
  lang = code;
  plurals = new Intl.PluralRules(code);
  document.documentElement.lang = code;
  document.documentElement.dir = LANGUAGES[code].dir;
  translate(document);
  for (const listener of listeners) listener(code);
}

export function onLanguage(listener) {
  listeners.add(listener);
}

function lookup(key, count) {
  const entry = catalog[key] ?? fallback[key];
  if (entry == null) return key; // a missing key shows itself (and the catalog test fails)
  if (typeof entry === "string") return entry;
  const form = count == null ? "other" : plurals.select(count);
  return entry[form] ?? entry.other;
}

// The message `key` with `{name}` replaced by `vars.name` (numbers formatted for the
// language; pass identifiers as strings so they stay as they are).
export function t(key, vars = {}) {
  return lookup(key, vars.count).replace(/\{(\w+)\}/g, (whole, name) => {
    const value = vars[name];
    if (value == null) return whole;
    return typeof value === "number" ? number(value) : String(value);
  });
}

export function number(value, options = {}) {
  return new Intl.NumberFormat(lang, options).format(value);
}

// An element whose text stays left to right inside a right-to-left page.
export function ltr(text, tag = "span") {
  const element = document.createElement(tag);
  element.dir = "ltr";
  element.className = "ltr";
  element.textContent = text;
  return element;
}

const pad = (n) => String(n).padStart(2, "0");

// "2026-07-15 01:00:00 UTC": always this form, whatever the language.
export function utc(when) {
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return "";
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`
  );
}

// The same moment in the user's own zone, in the language's words ("03:00 CEST").
export function local(when, { date = false } = {}) {
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(lang, {
    ...(date ? { day: "numeric", month: "short" } : {}),
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(d);
}

// A <time> element: UTC, then the local time beside it, each isolated left to right.
export function timeElement(when, { date = true } = {}) {
  const element = document.createElement("time");
  const d = new Date(when);
  if (Number.isNaN(d.getTime())) return element;
  element.dateTime = d.toISOString();
  const shown = date ? utc(d) : utc(d).slice(11);
  element.append(ltr(shown, "bdi"), " ", ltr(`(${local(d)})`, "bdi"));
  element.lastChild.classList.add("local");
  return element;
}

// Translate elements marked `data-i18n="key"` (text) and `data-i18n-attr="attr:key;..."`.
export function translate(root) {
  for (const element of root.querySelectorAll("[data-i18n]")) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of element.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      element.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

export function has(key) {
  return key in catalog || key in fallback;
}
