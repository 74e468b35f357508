// Saving something the page made (a picture, a document, a report) as a file in the browser.

/**
 * Offers `body` as a file named `name`.
 * @param {BlobPart} body @param {string} name @param {string} [type]
 */
export function download(body, name, type = "image/svg+xml") {
  const link = Object.assign(document.createElement("a"), { href: URL.createObjectURL(new Blob([body], { type })), download: name });
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}
