/**
 * @module
 * `{{target}}` exists only in structured fields, and is escaped for the field it lands in:
 * a URL (percent-encoding, so a target cannot add a path, query, user or host) and a PromQL
 * double-quoted string (so it cannot close the string and extend the query).
 */

const PLACEHOLDER = /\{\{\s*target\s*\}\}/g;

function fill(text: string, target: string, escapeValue: (value: string) => string, field: string): string {
  if (!PLACEHOLDER.test(text)) return text;
  PLACEHOLDER.lastIndex = 0;
  if (target === "") {
    throw new Error(
      `${field} uses {{target}} but this run has no target; pass the target input or give the runbook target.label`,
    );
  }
  const escaped = escapeValue(target);
  return text.replace(PLACEHOLDER, () => escaped);
}

/**
 * Fills `{{target}}` into a URL and checks the result is an http(s) URL.
 * @throws Error naming the URL when it is not one
 */
export function targetUrl(template: string, target: string): URL {
  const text = fill(template, target, encodeURIComponent, "url");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`url "${text}" is not a valid URL; write an absolute http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`url "${text}" uses ${url.protocol}; only http: and https: are allowed`);
  }
  return url;
}

/** Escapes text for the inside of a PromQL double-quoted string (Go string-literal rules). */
export function escapePromqlString(value: string): string {
  return value.replace(/[\\"\n\r\t]/g, (char) => {
    switch (char) {
      case "\n":
        return "\\n";
      case "\r":
        return "\\r";
      case "\t":
        return "\\t";
      default:
        return `\\${char}`;
    }
  });
}

/** Fills `{{target}}` into a PromQL query; write it inside double quotes, e.g. up{instance="{{target}}"}. */
export function targetQuery(template: string, target: string): string {
  return fill(template, target, escapePromqlString, "query");
}
