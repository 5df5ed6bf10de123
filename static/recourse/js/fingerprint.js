/* Recourse on-device fingerprints: the picture is hashed in this browser and never leaves it.
 *
 *   import { fingerprint } from "/static/recourse/js/fingerprint.js";
 *   const record = await fingerprint(file, { onProgress: ({ stage, fraction }) => ... });
 *
 * ``record`` is the JSON record of ``python -m hashing hash FILE`` (sha256, md5, phash, dhash, whash, pdq,
 * pdq_quality, width, height, format, frames, animated) plus the matcher's ``variants`` (mirror; trimmed;
 * trimmed-mirror, each {name, phash, dhash, pdq[, box]}), ``decode_scale`` (how many pixels of the picture one
 * hashed pixel stands for, as in ``hashing.ImageHashes``) and ``computed_on: "device"``.
 * Errors are FingerprintError objects with a ``code`` named like the server's (``unsupported_format``,
 * ``file_too_large``, ``too_many_pixels``, ``corrupt_image``, ``empty_file``) plus ``undecodable`` (this browser
 * cannot open the picture, e.g. HEIC outside Safari) and ``unsupported_browser``: offer the upload then.
 *
 * The work runs in a module Web Worker (fingerprint-worker.js) so the page stays responsive; how it matches
 * the server, and where it cannot, is explained at the top of that file.
 */

export class FingerprintError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "FingerprintError";
    this.code = code;
  }
}

let worker = null;
let nextId = 1;
const pending = new Map();

function failAll(code, message) {
  for (const { reject } of pending.values()) reject(new FingerprintError(code, message));
  pending.clear();
}

function getWorker() {
  if (worker) return worker;
  worker = new Worker(new URL("./fingerprint-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = (event) => {
    const msg = event.data;
    const job = pending.get(msg.id);
    if (!job) return;
    if (msg.type === "progress") {
      if (job.onProgress) {
        try {
          job.onProgress({ stage: msg.stage, fraction: msg.fraction });
        } catch (err) {
          console.error(err); // a broken progress callback must not lose the fingerprint
        }
      }
    } else if (msg.type === "done") {
      pending.delete(msg.id);
      job.resolve(msg.record);
    } else {
      pending.delete(msg.id);
      job.reject(new FingerprintError(msg.code, msg.message));
    }
  };
  worker.onerror = (event) => {
    // The worker itself failed (module workers unsupported, script blocked): every waiting picture fails alike.
    event.preventDefault();
    worker = null;
    failAll("unsupported_browser", "This browser cannot make fingerprints on this device.");
  };
  return worker;
}

/** Whether this browser has what on-device fingerprints need (the page offers the upload otherwise). */
export function supported() {
  return (
    typeof Worker !== "undefined" &&
    typeof OffscreenCanvas !== "undefined" &&
    typeof createImageBitmap !== "undefined" &&
    !!(globalThis.crypto && globalThis.crypto.subtle)
  );
}

/** Fingerprint one picture (a File or Blob) on this device; resolves to the record described above. */
export async function fingerprint(blob, { onProgress } = {}) {
  if (!(blob instanceof Blob)) throw new TypeError("fingerprint() needs a File or Blob");
  if (!supported()) throw new FingerprintError("unsupported_browser", "This browser cannot make fingerprints on this device.");
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, onProgress });
    getWorker().postMessage({ id, blob });
  });
}
