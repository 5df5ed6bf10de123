/* Recourse: the picture step (intake, case page, advocate's workbench).
 *
 * Default: the fingerprints are made on this device by fingerprint.js (in a Web Worker) and the form sends only
 * the records, as JSON in the hidden "fingerprints" field; the file input loses its name, so the browser never
 * puts a picture in the request. "Send the pictures to us" restores the plain upload. Without this script (or
 * where this browser cannot open a picture) the page keeps working as an upload form. Thumbnails come from local
 * object URLs only. Every sentence comes from the page (translated there); this file holds no text.
 */

// The record's documented keys (the server refuses any other, naming it).
const RECORD_KEYS = ["sha256", "md5", "phash", "dhash", "whash", "pdq", "pdq_quality", "width", "height", "format",
  "frames", "animated", "decode_scale", "variants", "computed_on"];

let loading = null;
function fingerprinter() {
  // Loaded on first use: a browser that cannot load it still gets the upload.
  loading = loading || import("./fingerprint.js").then((mod) => {
    if (mod.supported && !mod.supported()) { throw new Error("unsupported_browser"); }
    return mod.fingerprint;
  });
  return loading;
}

function text(step, key, values = {}) {
  const template = step.querySelector("template[data-strings]");
  const node = template && template.content.querySelector(`[data-key="${key}"]`);
  let value = node ? node.textContent.trim() : key;
  for (const [name, replacement] of Object.entries(values)) {
    value = value.split(`%(${name})s`).join(String(replacement));
  }
  return value;
}

function isHeic(file) {
  return /hei[cf]$/i.test(file.type || "") || /\.hei[cf]$/i.test(file.name || "");
}

function setup(step) {
  const form = step.closest("form");
  const input = step.querySelector("[data-picture-input]");
  const hidden = step.querySelector("[data-fingerprints]");
  const list = step.querySelector("[data-picture-list]");
  const choice = step.querySelector("[data-mode-choice]");
  const switcher = step.querySelector("[data-switch-upload]");
  const note = step.querySelector("[data-device-note]");
  const minor = step.hasAttribute("data-minor");
  const maxPixels = Number(step.dataset.maxPixels) || Infinity;
  const maxBytes = Number(step.dataset.maxBytes) || Infinity;
  if (!form || !input || !hidden || !list) { return; }
  const inputName = input.getAttribute("name");
  const keepRow = form.querySelector("[name=keep_as_evidence]");
  const keepWrapper = keepRow && (keepRow.closest(".mb-3") || keepRow.parentElement);
  let items = [];  // {status: "working" | "done" | "failed" | "upload", record}
  const tooLarge = new Set();  // files found above the pixel budget: never drawn as a thumbnail
  const fileKey = (file) => `${file.name}|${file.size}|${file.lastModified}`;
  let urls = [];

  step.querySelectorAll("[data-nojs-note]").forEach((el) => el.classList.add("d-none"));
  step.querySelectorAll("[data-device-only]").forEach((el) => el.classList.remove("d-none"));
  if (choice) {
    choice.classList.remove("d-none");
    choice.querySelectorAll("input[type=radio]").forEach((radio) => { radio.disabled = false; });
  }

  function deviceMode() {
    if (minor) { return true; }
    const checked = choice && choice.querySelector("input[type=radio]:checked");
    return !checked || checked.value === "device";
  }

  function applyMode() {
    const device = deviceMode();
    // In device mode the file input has no name: the browser leaves it out of what the form sends.
    if (device || !inputName) { input.removeAttribute("name"); } else { input.setAttribute("name", inputName); }
    if (keepWrapper) { keepWrapper.classList.toggle("d-none", device); }
    if (note) { note.classList.toggle("d-none", !device); }
    if (!device) { hidden.value = ""; }
  }

  function clearList() {
    urls.forEach((url) => URL.revokeObjectURL(url));
    urls = [];
    items = [];
    list.replaceChildren();
    if (switcher) { switcher.classList.add("d-none"); }
  }

  function row(file, n) {
    const li = document.createElement("li");
    li.className = "d-flex align-items-center gap-2 mb-2";
    const url = URL.createObjectURL(file);
    urls.push(url);
    const img = document.createElement("img");
    img.decoding = "async";
    // No thumbnail for a file above the size limit: a picture too large to fingerprint is too large to draw.
    if (file.size <= maxBytes && !tooLarge.has(fileKey(file))) { img.src = url; }
    img.alt = text(step, "thumb", { n });
    img.className = "picture-thumb rounded border";
    img.width = 48;
    img.height = 48;
    const line = document.createElement("span");
    line.className = "picture-progress small";
    li.append(img, line);
    list.append(li);
    line.thumbnail = img;
    return line;
  }

  async function makeOne(file, n, line, item) {
    line.textContent = text(step, "working", { n });
    const fail = (key) => {
      item.status = "failed";
      line.textContent = text(step, key, { n });
      line.classList.add("text-danger");
      if (switcher && !minor) { switcher.classList.remove("d-none"); }
      // A picture above the pixel budget would cost the page as much to draw as to hash: drop its thumbnail.
      if (key === "too_large") {
        tooLarge.add(fileKey(file));
        if (line.thumbnail) { line.thumbnail.removeAttribute("src"); }
      }
    };
    if (file.size > maxBytes) { fail("too_large"); return; }
    let fingerprint;
    try {
      fingerprint = await fingerprinter();
    } catch (error) {
      fail("unavailable");
      return;
    }
    try {
      const record = await fingerprint(file, {
        onProgress: (progress) => {
          const fraction = typeof progress === "number" ? progress : Number(progress && progress.fraction) || 0;
          if (item.status === "working") {
            line.textContent = `${text(step, "working", { n })} ${Math.round(Math.min(Math.max(fraction, 0), 1) * 100)} %`;
          }
        },
      });
      if (record.width * record.height > maxPixels) { fail("too_large"); return; }
      item.record = Object.fromEntries(RECORD_KEYS.filter((key) => key in record).map((key) => [key, record[key]]));
      item.status = "done";
      line.textContent = text(step, "done", { n });
    } catch (error) {
      // fingerprint.js names its refusals like the server's (FingerprintError.code).
      const code = error && error.code;
      if (code === "too_many_pixels" || code === "file_too_large") { fail("too_large"); }
      else if (code === "unsupported_browser") { fail("unavailable"); }
      else { fail(isHeic(file) ? "heic" : "unreadable"); }
    }
  }

  input.addEventListener("change", () => {
    clearList();
    const files = Array.from(input.files || []);
    const device = deviceMode();
    files.forEach((file, index) => {
      const n = index + 1;
      const line = row(file, n);
      const item = { status: device ? "working" : "upload", record: null };
      items.push(item);
      if (device) { makeOne(file, n, line, item); } else { line.textContent = text(step, "upload", { n }); }
    });
  });

  if (choice) {
    choice.addEventListener("change", () => {
      applyMode();
      // The same pictures, handled the new way.
      input.dispatchEvent(new Event("change"));
    });
  }
  if (switcher) {
    switcher.querySelector("button").addEventListener("click", () => {
      const upload = choice && choice.querySelector("input[value=upload]");
      if (upload) { upload.checked = true; choice.dispatchEvent(new Event("change")); upload.focus(); }
    });
  }

  form.addEventListener("submit", (event) => {
    if (!deviceMode()) { hidden.value = ""; return; }
    const button = event.submitter;
    const removing = button && String(button.value || "").startsWith("remove-");
    if (removing) { hidden.value = ""; input.removeAttribute("name"); return; }
    let message = "";
    if (items.some((item) => item.status === "working")) { message = text(step, "wait"); }
    else if (items.some((item) => item.status === "failed")) { message = text(step, "failed"); }
    if (message) {
      event.preventDefault();
      const alert = document.createElement("li");
      alert.className = "alert alert-warning mt-2";
      alert.setAttribute("role", "alert");
      alert.textContent = message;
      list.querySelectorAll(".alert").forEach((old) => old.remove());
      list.append(alert);
      return;
    }
    const records = items.filter((item) => item.status === "done").map((item) => item.record);
    hidden.value = records.length ? JSON.stringify(records) : "";
    input.removeAttribute("name");
  });

  applyMode();
}

document.querySelectorAll("[data-picture-step]").forEach(setup);
