// @ts-check
// Building the console's DOM safely: every value reaches the page through textContent (never
// innerHTML), and links are made only from http(s) URLs. Alert content is untrusted.

/**
 * An element of the page, checked to be of the expected kind.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} kind
 * @returns {T}
 */
export function element(id, kind) {
  const node = document.getElementById(id);
  if (!(node instanceof kind)) throw new Error(`the console page has no ${kind.name} #${id}`);
  return node;
}

/**
 * @typedef {object} Props
 * @property {string} [text] set as textContent, never parsed as HTML
 * @property {string} [className]
 * @property {Record<string, string>} [data] data-* attributes
 * @property {string} [href]
 * @property {string} [target]
 * @property {string} [rel]
 * @property {string} [title]
 * @property {"button" | "submit"} [type]
 * @property {boolean} [disabled]
 */

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props]
 * @param {(Node | string)[]} [children]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className !== undefined) node.className = props.className;
  for (const [name, value] of Object.entries(props.data ?? {})) node.dataset[name] = value;
  for (const name of /** @type {const} */ (["href", "target", "rel", "title", "type"])) {
    const value = props[name];
    if (value !== undefined) node.setAttribute(name, value);
  }
  if (props.disabled !== undefined && node instanceof HTMLButtonElement) node.disabled = props.disabled;
  for (const child of children) node.append(child);
  return node;
}

/** @param {number | null | undefined} ms */
export function time(ms) {
  if (!ms) return "";
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleTimeString([], { hour12: false });
}

/** @param {unknown} url */
export function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url) ? url : undefined;
}

/** @param {number | null | undefined} ms a date and time, for the detail view */
export function dateTime(ms) {
  if (!ms) return "";
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString([], { hour12: false });
}

/** @param {number} ms a duration: 45s, 3m 40s, 2h 5m */
export function duration(ms) {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 ? `${minutes}m ${seconds % 60}s` : `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
}

/**
 * A link opening in a new tab, or plain text when the URL is not http(s).
 * @param {unknown} url
 * @param {string} text
 */
export function externalLink(url, text) {
  const href = safeUrl(url);
  return href
    ? el("a", { href, target: "_blank", rel: "noopener noreferrer", text })
    : el("span", { className: "muted", text });
}
