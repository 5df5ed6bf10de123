/* Recourse on-device fingerprints: the work behind fingerprint.js, run in a module Web Worker.
 *
 * It reproduces `hashing.compute` (Python, server side) step by step, so a record made here matches the one the
 * server would have made from the same file:
 *
 *   bytes -> SHA-256 (SubtleCrypto) and MD5 (below)
 *         -> decode at full resolution with EXIF orientation (createImageBitmap, never scaled in a canvas)
 *         -> 8-bit luma the way hashing.decode.to_grey makes it (Pillow "L": ITU-R 601-2 with Pillow's integer
 *            rounding; transparency composited over white in float32)
 *         -> the server's reductions, in its order: JPEGs are decoded by libjpeg at 1/2, 1/4 or 1/8 scale (Pillow
 *            draft mode); a decoded picture still above 4 MP is box-reduced by an integer factor in the mode Pillow
 *            opened it in, before greyscale conversion and EXIF orientation (hashing.decode._reduce, see
 *            reduceFactor); then Image.reduce keeps each side >= 256 px and the overall scale <= 8
 *            (hashing.core._hashing_grey). The record states the overall scale as decode_scale, which the
 *            server checks against the one it would use for that format and size.
 *         -> pHash, dHash, wHash (imagehash 4.3.2 via hashing.signals: Pillow LANCZOS in fixed point, scipy's
 *            DCT-II, PyWavelets' Haar with its float operation order), PDQ (hashing.pdq: Jarosz filter folded
 *            onto the reduced grid, 16x16 DCT, median, quality) and the matcher's variants (mirror, trimmed,
 *            trimmed-mirror; hashing.trim.content_box).
 *
 * Where the device and the server can still differ, and why:
 *  - Baseline JPEG (1-4 channels, YCbCr, greyscale or CMYK) is entropy-decoded here and the reduced luma is
 *    computed with ports of libjpeg-turbo's reduced IDCTs, so it equals the server's draft decode bit for bit.
 *  - Progressive (and arithmetic-coded, YCCK, Adobe-RGB) JPEG: the browser decodes it at full size and we
 *    estimate libjpeg's draft from that: luma recomputed from RGB (within one grey level of Y except for
 *    saturated colours) averaged over s x s blocks (what jidctred.c's reduced IDCTs compute, but here from
 *    pixels already rounded), edge blocks padded by repeating the edge pixel as the encoder did. About 5-15% of
 *    reduced pixels are one grey level off, which moves a hash bit only when a coefficient sits on the median.
 *  - JPEGs under 512 px on the short side are not reduced by the server; their luma comes from the browser's RGB
 *    (ITU-R 601 from RGB instead of the file's Y: one grey level at most, saturated colours aside).
 *  - PNG is decoded by this module itself (see decodePng), so PNG pixels are the server's exactly, reduced or not.
 *  - The reduction above 4 MP is exact arithmetic (integer block sums, Pillow's rounding, premultiplied alpha),
 *    so it adds no difference of its own: it is as exact as the pixels it starts from (exact for PNG, baseline
 *    JPEG and opaque WebP/GIF; the estimates above stay estimates).
 *  - WebP and GIF come from the browser's decoder (libwebp and a GIF decoder, like Pillow's); alpha goes
 *    through a premultiplied canvas, so half-transparent WebP/GIF pixels may differ by a grey level.
 *  - Colour management: decoding asks for no colour-space conversion (the server ignores ICC profiles too).
 *  - Floating point: the DCTs and PDQ's matrix products sum in a different order than scipy/BLAS, so a bit
 *    whose coefficient equals the median to ~1e-12 (flat or mirror-symmetric synthetic pictures) can differ.
 *  - HEIC/HEIF/AVIF: only where the browser decodes them (Safari); elsewhere the error code is "undecodable".
 */

// hashing.decode.Limits: a picture the server would refuse is refused here too, before any pixel is decoded.
const LIMITS = { maxBytes: 25_000_000, maxPixels: 40_000_000, maxSide: 40_000, maxFrames: 10_000 };
const DRAFT_MIN_SIDE = 256; // hashing.decode.DRAFT_MIN_SIDE
const STRIP_ROWS = 256; // rows read from the canvas at a time: bounds memory on 24-megapixel pictures

export class FingerprintError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/* ----------------------------------------------------------------------------------------------------------
 * Digests
 * -------------------------------------------------------------------------------------------------------- */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
function toHex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

const MD5_S = new Int32Array([7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21]);
const MD5_K = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
const MD5_G = Int32Array.from({ length: 64 }, (_, i) =>
  i < 16 ? i : i < 32 ? (5 * i + 1) & 15 : i < 48 ? (3 * i + 5) & 15 : (7 * i) & 15,
);

function md5Blocks(state, src, off, count, m) {
  let a0 = state[0], b0 = state[1], c0 = state[2], d0 = state[3];
  for (let blk = 0; blk < count; blk++, off += 64) {
    for (let i = 0; i < 16; i++) {
      const j = off + i * 4;
      m[i] = src[j] | (src[j + 1] << 8) | (src[j + 2] << 16) | (src[j + 3] << 24);
    }
    let a = a0, b = b0, c = c0, d = d0;
    for (let i = 0; i < 64; i++) {
      let f;
      if (i < 16) f = (b & c) | (~b & d);
      else if (i < 32) f = (d & b) | (~d & c);
      else if (i < 48) f = b ^ c ^ d;
      else f = c ^ (b | ~d);
      const s = MD5_S[((i >> 4) << 2) | (i & 3)];
      const x = (a + f + MD5_K[i] + m[MD5_G[i]]) | 0;
      a = d;
      d = c;
      c = b;
      b = (b + ((x << s) | (x >>> (32 - s)))) | 0;
    }
    a0 = (a0 + a) | 0;
    b0 = (b0 + b) | 0;
    c0 = (c0 + c) | 0;
    d0 = (d0 + d) | 0;
  }
  state[0] = a0; state[1] = b0; state[2] = c0; state[3] = d0;
}

/** MD5 of a byte array (RFC 1321). SubtleCrypto has no MD5; exchanges (NCMEC, Take It Down) still use it. */
export function md5(bytes) {
  const n = bytes.length;
  const state = new Int32Array([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476]);
  const m = new Int32Array(16);
  const fullBlocks = Math.floor(n / 64);
  md5Blocks(state, bytes, 0, fullBlocks, m);
  // The remaining bytes, the 0x80 terminator, zeros and the bit length (little-endian) fill one or two blocks.
  const rest = n - fullBlocks * 64;
  const tailLen = rest + 9 > 64 ? 128 : 64;
  const tail = new Uint8Array(tailLen);
  tail.set(bytes.subarray(fullBlocks * 64));
  tail[rest] = 0x80;
  const bits = n * 8;
  for (let i = 0; i < 8; i++) tail[tailLen - 8 + i] = Math.floor(bits / 2 ** (8 * i)) & 0xff;
  md5Blocks(state, tail, 0, tailLen / 64, m);
  const out = new Uint8Array(16);
  for (let i = 0; i < 4; i++) for (let k = 0; k < 4; k++) out[i * 4 + k] = (state[i] >>> (8 * k)) & 0xff;
  return toHex(out);
}

async function sha256(bytes) {
  if (globalThis.crypto && globalThis.crypto.subtle) {
    return toHex(new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes)));
  }
  // SubtleCrypto exists only in secure contexts (HTTPS, localhost); the site is served over HTTPS.
  throw new FingerprintError("unsupported_browser", "This browser cannot compute SHA-256 on this page.");
}

/* ----------------------------------------------------------------------------------------------------------
 * Format sniffing and headers (hashing.decode.sniff; sizes and frame counts as Pillow reports them)
 * -------------------------------------------------------------------------------------------------------- */

function sniff(b) {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "png";
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38) return "gif";
  if (str(b, 0, 4) === "RIFF" && str(b, 8, 4) === "WEBP") return "webp";
  if (str(b, 4, 4) === "ftyp") return "heif";
  throw new FingerprintError("unsupported_format", "This file is not a picture we can fingerprint.");
}

function str(b, off, len) {
  let s = "";
  for (let i = 0; i < len && off + i < b.length; i++) s += String.fromCharCode(b[off + i]);
  return s;
}
const be16 = (b, o) => (b[o] << 8) | b[o + 1];
const be32 = (b, o) => ((b[o] << 24) >>> 0) + (b[o + 1] << 16) + (b[o + 2] << 8) + b[o + 3];
const le16 = (b, o) => b[o] | (b[o + 1] << 8);
const le24 = (b, o) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const le32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

function exifOrientation(b, start, end) {
  // TIFF header inside an APP1 "Exif\0\0" segment; IFD0 tag 0x0112.
  const little = b[start] === 0x49;
  const u16 = (o) => (little ? le16(b, o) : be16(b, o));
  const u32 = (o) => (little ? le32(b, o) : be32(b, o));
  const ifd = start + u32(start + 4);
  if (ifd + 2 > end) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > end) break;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

function jpegInfo(b) {
  let o = 2, width = 0, height = 0, components = 3, orientation = 1;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) { o++; continue; }
    const marker = b[o + 1];
    if (marker === 0xff) { o++; continue; }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { o += 2; continue; }
    if (marker === 0xd9 || marker === 0xda) break;
    const len = be16(b, o + 2);
    if (marker === 0xe1 && str(b, o + 4, 6) === "Exif\0\0" && orientation === 1) {
      try { orientation = exifOrientation(b, o + 10, o + 2 + len); } catch { orientation = 1; }
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      height = be16(b, o + 5);
      width = be16(b, o + 7);
      components = b[o + 9];
    }
    o += 2 + len;
  }
  return { width, height, components, orientation, frames: 1 };
}

function pngInfo(b) {
  const width = be32(b, 16), height = be32(b, 20);
  let frames = 1;
  for (let o = 8; o + 8 <= b.length; ) {
    const len = be32(b, o), type = str(b, o + 4, 4);
    if (type === "acTL") frames = Math.max(1, be32(b, o + 8));
    if (type === "IDAT" || type === "IEND") break;
    o += 12 + len;
  }
  return { width, height, orientation: 1, frames };
}

function gifInfo(b) {
  const width = le16(b, 6), height = le16(b, 8);
  let o = 13, frames = 0;
  if (b[10] & 0x80) o += 3 * (1 << ((b[10] & 7) + 1));
  const skipBlocks = () => { while (o < b.length && b[o] !== 0) o += b[o] + 1; o++; };
  while (o < b.length) {
    const t = b[o];
    if (t === 0x21) { o += 2; skipBlocks(); }
    else if (t === 0x2c) {
      frames++;
      const flags = b[o + 9];
      o += 10;
      if (flags & 0x80) o += 3 * (1 << ((flags & 7) + 1));
      o++; // LZW minimum code size
      skipBlocks();
    } else break;
  }
  return { width, height, orientation: 1, frames: Math.max(1, frames) };
}

function webpInfo(b) {
  let width = 0, height = 0, frames = 0, animated = false;
  for (let o = 12; o + 8 <= b.length; ) {
    const type = str(b, o, 4), len = le32(b, o + 4), d = o + 8;
    if (type === "VP8X") { animated = (b[d] & 0x02) !== 0; width = le24(b, d + 4) + 1; height = le24(b, d + 7) + 1; }
    else if (type === "VP8 " && !width) { width = le16(b, d + 6) & 0x3fff; height = le16(b, d + 8) & 0x3fff; }
    else if (type === "VP8L" && !width) {
      const v = le32(b, d + 1);
      width = (v & 0x3fff) + 1; height = ((v >>> 14) & 0x3fff) + 1;
    } else if (type === "ANMF") frames++;
    o = d + len + (len & 1);
  }
  return { width, height, orientation: 1, frames: animated ? Math.max(1, frames) : 1 };
}

/* ----------------------------------------------------------------------------------------------------------
 * Decoding to the server's greyscale picture
 * -------------------------------------------------------------------------------------------------------- */

/** Pixels of an oriented, full-resolution bitmap as Pillow-style luma, transparency over white. */
function bitmapToGrey(bitmap, progress) {
  const w = bitmap.width, h = bitmap.height;
  const grey = new Uint8Array(w * h);
  const rows = Math.min(STRIP_ROWS, h);
  const canvas = new OffscreenCanvas(w, rows);
  const ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: true });
  for (let y0 = 0; y0 < h; y0 += rows) {
    const n = Math.min(rows, h - y0);
    ctx.clearRect(0, 0, w, rows);
    ctx.drawImage(bitmap, 0, -y0);
    const px = ctx.getImageData(0, 0, w, n).data;
    let o = y0 * w;
    for (let i = 0; i < px.length; i += 4, o++) {
      // Pillow rgb2l: (r*19595 + g*38470 + b*7471 + 0x8000) >> 16
      const l = (px[i] * 19595 + px[i + 1] * 38470 + px[i + 2] * 7471 + 0x8000) >> 16;
      const a = px[i + 3];
      grey[o] = a === 255 ? l : overWhite(l, a);
    }
    progress(0.1 + 0.4 * ((y0 + n) / h));
  }
  return { data: grey, w, h };
}

/** hashing.decode._reduce then to_grey of a browser-decoded (WebP, GIF) bitmap, taken as Pillow's RGBA: the sums
 * of premultiplied colour are gathered strip by strip, so no full-size copy of the pixels is ever held. */
function bitmapToReducedGrey(bitmap, k, progress) {
  const w = bitmap.width, h = bitmap.height;
  const ow = Math.floor(w / k), oh = Math.floor(h / k), n = k * k;
  const mult = reduceMult(n), amend = Math.floor(n / 2);
  const rows = k * Math.max(1, Math.floor(STRIP_ROWS / k));
  const canvas = new OffscreenCanvas(w, rows);
  const ctx = canvas.getContext("2d", { willReadFrequently: true, alpha: true });
  const sums = new Uint32Array(ow * 4), block = new Uint8Array(ow * 4);
  const grey = new Uint8Array(ow * oh);
  for (let y0 = 0; y0 < oh * k; y0 += rows) {
    const nrows = Math.min(rows, oh * k - y0);
    ctx.clearRect(0, 0, w, rows);
    ctx.drawImage(bitmap, 0, -y0);
    const px = ctx.getImageData(0, 0, w, nrows).data;
    for (let r0 = 0; r0 < nrows; r0 += k) {
      sums.fill(0);
      for (let y = r0; y < r0 + k; y++) {
        for (let ox = 0, p = y * w * 4; ox < ow; ox++) {
          const so = ox * 4;
          for (let dx = 0; dx < k; dx++, p += 4) {
            const a = px[p + 3];
            if (a === 255) {
              sums[so] += px[p];
              sums[so + 1] += px[p + 1];
              sums[so + 2] += px[p + 2];
            } else {
              // Pillow RGBA -> RGBa (MULDIV255) before Image.reduce
              let t = px[p] * a + 128;
              sums[so] += ((t >> 8) + t) >> 8;
              t = px[p + 1] * a + 128;
              sums[so + 1] += ((t >> 8) + t) >> 8;
              t = px[p + 2] * a + 128;
              sums[so + 2] += ((t >> 8) + t) >> 8;
            }
            sums[so + 3] += a;
          }
        }
      }
      for (let i = 0; i < ow * 4; i++) block[i] = Math.floor(((sums[i] + amend) * mult) / 16777216);
      unpremultiply(block, 4);
      grey.set(samplesToGrey(block, 4, ow), ((y0 + r0) / k) * ow);
    }
    progress(0.1 + 0.4 * ((y0 + nrows) / (oh * k)));
  }
  return { data: grey, w: ow, h: oh };
}

const OVER_WHITE = new Uint8Array(256 * 256);
let overWhiteReady = false;
/** hashing.decode.to_grey for alpha: float32 l*a/255 + 255*(1 - a/255), rounded half to even (np.rint). */
function overWhite(l, a) {
  if (!overWhiteReady) {
    for (let aa = 0; aa < 256; aa++) {
      const alpha = Math.fround(aa / 255);
      const back = Math.fround(255 * Math.fround(1 - alpha));
      for (let ll = 0; ll < 256; ll++) {
        const v = Math.fround(Math.fround(ll * alpha) + back);
        OVER_WHITE[aa * 256 + ll] = Math.min(255, Math.max(0, rint(v)));
      }
    }
    overWhiteReady = true;
  }
  return OVER_WHITE[a * 256 + l];
}

/** Round half to even, like np.rint and Python's round(). */
export function rint(v) {
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Copy of ``src`` (w x h) under EXIF orientation ``o`` (Pillow's transposes); inverse=true undoes it. */
export function orient(src, w, h, o, inverse = false) {
  if (o === 1) return { data: src, w, h };
  const swap = o >= 5;
  const rw = inverse ? (swap ? h : w) : w; // raw (file) size
  const rh = inverse ? (swap ? w : h) : h;
  const ow = swap ? rh : rw, oh = swap ? rw : rh; // oriented size
  const out = new Uint8Array(w * h);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let rx, ry;
      switch (o) {
        case 2: rx = rw - 1 - x; ry = y; break;
        case 3: rx = rw - 1 - x; ry = rh - 1 - y; break;
        case 4: rx = x; ry = rh - 1 - y; break;
        case 5: rx = y; ry = x; break;
        case 6: rx = y; ry = rh - 1 - x; break;
        case 7: rx = rw - 1 - y; ry = rh - 1 - x; break;
        default: rx = rw - 1 - y; ry = x; break; // 8
      }
      if (inverse) out[ry * rw + rx] = src[y * ow + x];
      else out[y * ow + x] = src[ry * rw + rx];
    }
  }
  return inverse ? { data: out, w: rw, h: rh } : { data: out, w: ow, h: oh };
}

/** ImagingReduce*'s multiplier for a block of n samples: a float32 reciprocal scaled by 2^32. */
const reduceMult = (n) => Math.floor(Math.fround(4294967296 / Math.fround(256 * n)));

/** Pillow Image.reduce(k) on an "L" picture (ImagingReduce*: integer sums, float32 reciprocal, >> 24). */
export function pillowReduce(img, k) {
  const { data, w, h } = img;
  const ow = Math.ceil(w / k), oh = Math.ceil(h / k);
  const out = new Uint8Array(ow * oh);
  const mult = reduceMult;
  for (let oy = 0; oy < oh; oy++) {
    const y0 = oy * k, y1 = Math.min(h, y0 + k);
    for (let ox = 0; ox < ow; ox++) {
      const x0 = ox * k, x1 = Math.min(w, x0 + k);
      let ss = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) ss += data[y * w + x];
      const n = (y1 - y0) * (x1 - x0);
      out[oy * ow + ox] = Math.floor(((ss + Math.floor(n / 2)) * mult(n)) / 16777216);
    }
  }
  return { data: out, w: ow, h: oh };
}

/* The decoder's reduction of large pictures (hashing.decode._reduce). Above REDUCED_PIXELS the decoded picture,
 * still in the mode Pillow opened it in and before EXIF orientation, loses the rows and columns past the last
 * whole k x k block and is box-reduced by k with Pillow's Image.reduce: per channel for L/RGB/CMYK, on
 * premultiplied colour for RGBA/LA (Image.reduce goes through RGBa/La), palette pictures as RGB(A), 16-bit grey
 * as the rounded mean of the 16-bit samples. Greyscale conversion, orientation and the hashing reduction follow. */

const REDUCED_PIXELS = 4_000_000; // hashing.decode.REDUCED_PIXELS

/** hashing.decode._reduce's factor for a decoded w x h picture (1: left as it is). */
export function reduceFactor(w, h) {
  if (w * h <= REDUCED_PIXELS) return 1;
  const k = Math.ceil(Math.sqrt((w * h) / REDUCED_PIXELS));
  return Math.floor(w / k) === 0 || Math.floor(h / k) === 0 ? 1 : k;
}

/** Image.reduce(k) of interleaved 8-bit samples (c a pixel) over the whole k x k blocks only. */
export function reduceBlocks(src, w, h, c, k) {
  const ow = Math.floor(w / k), oh = Math.floor(h / k), n = k * k;
  const mult = reduceMult(n), amend = Math.floor(n / 2);
  const out = new Uint8Array(ow * oh * c);
  const sums = new Uint32Array(ow * c);
  for (let oy = 0; oy < oh; oy++) {
    sums.fill(0);
    for (let y = oy * k; y < oy * k + k; y++) {
      const row = y * w * c;
      if (c === 1) {
        for (let ox = 0, p = row; ox < ow; ox++) {
          let v = 0;
          for (let dx = 0; dx < k; dx++) v += src[p++];
          sums[ox] += v;
        }
      } else if (c === 3) {
        for (let ox = 0, p = row; ox < ow; ox++) {
          let r = 0, g = 0, b = 0;
          for (let dx = 0; dx < k; dx++, p += 3) {
            r += src[p];
            g += src[p + 1];
            b += src[p + 2];
          }
          sums[3 * ox] += r;
          sums[3 * ox + 1] += g;
          sums[3 * ox + 2] += b;
        }
      } else {
        for (let ox = 0, p = row; ox < ow; ox++) {
          const so = ox * c;
          for (let dx = 0; dx < k; dx++) for (let ch = 0; ch < c; ch++) sums[so + ch] += src[p++];
        }
      }
    }
    const o = oy * ow * c;
    for (let i = 0; i < ow * c; i++) out[o + i] = Math.floor(((sums[i] + amend) * mult) / 16777216);
  }
  return { data: out, w: ow, h: oh };
}

/** Pillow RGBA -> RGBa / LA -> La (MULDIV255), in place; ``c`` channels with alpha last. */
function premultiply(px, c) {
  for (let i = 0; i < px.length; i += c) {
    const a = px[i + c - 1];
    if (a === 255) continue;
    for (let j = 0; j < c - 1; j++) {
      const t = px[i + j] * a + 128;
      px[i + j] = ((t >> 8) + t) >> 8;
    }
  }
}

/** Pillow RGBa -> RGBA / La -> LA: 255 * v / a in integers, in place. */
function unpremultiply(px, c) {
  for (let i = 0; i < px.length; i += c) {
    const a = px[i + c - 1];
    if (a === 255 || a === 0) continue;
    for (let j = 0; j < c - 1; j++) px[i + j] = Math.min(255, Math.floor((255 * px[i + j]) / a));
  }
}

/** hashing.decode.to_grey of 8-bit interleaved samples in Pillow mode L (c=1), LA (2), RGB (3) or RGBA (4). */
function samplesToGrey(px, c, n) {
  if (c === 1) return px;
  const grey = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += c) {
    // Pillow rgb2l / rgba2la: (r*19595 + g*38470 + b*7471 + 0x8000) >> 16
    const l = c >= 3 ? (px[p] * 19595 + px[p + 1] * 38470 + px[p + 2] * 7471 + 0x8000) >> 16 : px[p];
    const a = c === 2 || c === 4 ? px[p + c - 1] : 255;
    grey[i] = a === 255 ? l : overWhite(l, a);
  }
  return grey;
}

/** _reduce of interleaved 8-bit samples in mode L/LA/RGB/RGBA, then to_grey: {data, w, h} in luma. */
export function reduceToGrey(px, w, h, c, k) {
  if (c === 2 || c === 4) premultiply(px, c);
  const r = reduceBlocks(px, w, h, c, k);
  if (c === 2 || c === 4) unpremultiply(r.data, c);
  return { data: samplesToGrey(r.data, c, r.w * r.h), w: r.w, h: r.h };
}

/** _reduce of 16-bit grey ("I;16"): the mean of each whole k x k block, rounded half to even (NumPy). */
function reduceI16(samples, w, h, k) {
  const ow = Math.floor(w / k), oh = Math.floor(h / k), n = k * k;
  const out = new Float64Array(ow * oh);
  for (let oy = 0; oy < oh; oy++) {
    for (let y = oy * k; y < oy * k + k; y++) {
      for (let ox = 0, p = y * w; ox < ow; ox++) {
        let v = 0;
        for (let dx = 0; dx < k; dx++) v += samples[p++];
        out[oy * ow + ox] += v;
      }
    }
  }
  for (let i = 0; i < out.length; i++) out[i] = rint(out[i] / n);
  return { data: out, w: ow, h: oh };
}

/** to_grey of an integer mode ("I;16", or "I" after _reduce): scaled by 1/257 only when a sample exceeds 255. */
function integerToGrey(values) {
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  const grey = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) grey[i] = Math.min(255, max > 255 ? rint(values[i] / 257.0) : values[i]);
  return grey;
}

/** The picture libjpeg would decode at 1/s (Pillow draft), estimated from the full-size decode.
 * libjpeg-turbo's reduced inverse DCTs (jidctred.c: 4x4, 2x2, 1x1 outputs) are derived as the averages of
 * adjacent outputs of the full 8-point IDCT, so each reduced pixel is the mean of an s x s block; blocks on the
 * right and bottom edge are padded by repeating the last pixel, as the encoder padded them. */
export function jpegDraft(img, s) {
  const { data, w, h } = img;
  const ow = Math.ceil(w / s), oh = Math.ceil(h / s);
  const sums = new Float64Array(ow);
  const out = new Uint8Array(ow * oh);
  const area = s * s;
  for (let by = 0; by < oh; by++) {
    sums.fill(0);
    for (let n = 0; n < s; n++) {
      const row = Math.min(h - 1, by * s + n) * w;
      for (let bx = 0; bx < ow; bx++) {
        const x0 = bx * s;
        let v = 0;
        if (x0 + s <= w) for (let k = 0; k < s; k++) v += data[row + x0 + k];
        else for (let k = 0; k < s; k++) v += data[row + Math.min(w - 1, x0 + k)];
        sums[bx] += v;
      }
    }
    for (let bx = 0; bx < ow; bx++) out[by * ow + bx] = Math.min(255, Math.floor(sums[bx] / area + 0.5));
  }
  return { data: out, w: ow, h: oh };
}

/* Baseline JPEGs are entropy-decoded here so the reduced luma is computed from the file's own DCT coefficients,
 * as libjpeg does for Pillow's draft mode, instead of being estimated from the browser's rounded full-size RGB.
 * Progressive, arithmetic-coded, CMYK and Adobe-RGB files keep the estimate (jpegDraft). */

const ZIGZAG = new Int32Array([0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27,
  20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39,
  46, 53, 60, 61, 54, 47, 55, 62, 63]);

function huffmanTable(counts, symbols) {
  // Canonical Huffman: (length, code) -> symbol through per-length maxcode / offsets.
  const maxcode = new Int32Array(18).fill(-1), valptr = new Int32Array(17), mincode = new Int32Array(17);
  let code = 0, k = 0;
  for (let len = 1; len <= 16; len++) {
    valptr[len] = k;
    mincode[len] = code;
    code += counts[len - 1];
    k += counts[len - 1];
    maxcode[len] = counts[len - 1] ? code - 1 : -1;
    code <<= 1;
  }
  // 9-bit lookahead table: (length << 8) | symbol for every code of up to 9 bits, 0 for longer codes.
  const lut = new Int32Array(512);
  for (let len = 1, k2 = 0, c = 0; len <= 9; len++, c <<= 1) {
    for (let i = 0; i < counts[len - 1]; i++, c++, k2++) {
      const shift = 9 - len;
      for (let f = c << shift; f < (c + 1) << shift; f++) lut[f] = (len << 8) | symbols[k2];
    }
  }
  return { maxcode, valptr, mincode, symbols, lut };
}

/** Y-component DCT coefficients of a baseline JPEG, or null when this decoder does not handle the file. */
export function jpegLumaCoefficients(b) {
  const qt = [], dc = [], ac = [];
  let frame = null, restart = 0, adobeTransform = -1, o = 2;
  while (o + 4 <= b.length) {
    if (b[o] !== 0xff) return null;
    const marker = b[o + 1];
    if (marker === 0xff) { o++; continue; }
    const len = be16(b, o + 2), d = o + 4, end = o + 2 + len;
    if (marker === 0xdb) {
      for (let p = d; p < end; ) {
        const pq = b[p] >> 4, id = b[p] & 15;
        const t = new Int32Array(64);
        for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = pq ? be16(b, p + 1 + 2 * k) : b[p + 1 + k];
        qt[id] = t;
        p += 1 + (pq ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      for (let p = d; p < end; ) {
        const cls = b[p] >> 4, id = b[p] & 15, counts = b.subarray(p + 1, p + 17);
        let n = 0;
        for (const c of counts) n += c;
        (cls ? ac : dc)[id] = huffmanTable(counts, b.subarray(p + 17, p + 17 + n));
        p += 17 + n;
      }
    } else if (marker === 0xc0 || marker === 0xc1) {
      if (b[d] !== 8) return null;
      const comps = [];
      for (let i = 0; i < b[d + 5]; i++) {
        const c = d + 6 + 3 * i;
        comps.push({ id: b[c], h: b[c + 1] >> 4, v: b[c + 1] & 15, tq: b[c + 2] });
      }
      frame = { h: be16(b, d + 1), w: be16(b, d + 3), comps };
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return null; // progressive, lossless or arithmetic-coded
    } else if (marker === 0xdd) {
      restart = be16(b, d);
    } else if (marker === 0xee && str(b, d, 5) === "Adobe") {
      adobeTransform = b[d + 11];
    } else if (marker === 0xda) {
      if (!frame || ![1, 3, 4].includes(frame.comps.length)) return null;
      if (frame.comps.length === 3 && adobeTransform === 0) return null; // RGB, not YCbCr
      if (frame.comps.length === 4) {
        // Plain (Adobe-inverted) CMYK with every channel at full resolution; YCCK is left to the browser.
        if (adobeTransform === 2 || frame.comps.some((c) => c.h !== frame.comps[0].h || c.v !== frame.comps[0].v)) return null;
      }
      const ns = b[d];
      const scomps = [];
      for (let i = 0; i < ns; i++) {
        const c = frame.comps.find((x) => x.id === b[d + 1 + 2 * i]);
        if (!c) return null;
        scomps.push({ c, dc: dc[b[d + 2 + 2 * i] >> 4], ac: ac[b[d + 2 + 2 * i] & 15] });
      }
      if (ns !== frame.comps.length && (ns !== 1 || frame.comps.length === 4)) return null;
      return decodeBaselineScan(b, end, frame, scomps, qt, restart);
    }
    o = end;
  }
  return null;
}

function decodeBaselineScan(b, start, frame, scomps, qt, restart) {
  const hmax = Math.max(...frame.comps.map((c) => c.h)), vmax = Math.max(...frame.comps.map((c) => c.v));
  const mcusX = Math.ceil(frame.w / (8 * hmax)), mcusY = Math.ceil(frame.h / (8 * vmax));
  const y = frame.comps[0];
  if (scomps.length === 1 && scomps[0].c !== y) return null; // luma must come in the first scan
  const interleaved = scomps.length > 1;
  const yBw = interleaved ? mcusX * y.h : Math.ceil(Math.ceil((frame.w * y.h) / hmax) / 8);
  const yBh = interleaved ? mcusY * y.v : Math.ceil(Math.ceil((frame.h * y.v) / vmax) / 8);
  const coeffs = new Int16Array(yBw * yBh * 64);
  for (const sc of scomps) {
    sc.bw = interleaved ? mcusX * sc.c.h : yBw;
    sc.coeffs = sc.c === y ? coeffs : new Int16Array(mcusX * sc.c.h * mcusY * sc.c.v * 64);
  }
  // Bit reader: up to 32 bits in ``acc`` (the low ``nbits`` are valid); stuffed 0xFF00 bytes are unescaped and
  // a marker feeds zeros, as libjpeg does.
  let pos = start, acc = 0, nbits = 0;
  const fill = () => {
    while (nbits <= 24) {
      let byte = 0;
      if (pos < b.length) {
        byte = b[pos];
        if (byte === 0xff) {
          if (b[pos + 1] === 0) pos += 2;
          else byte = 0; // a marker: stay on it
        } else pos++;
      }
      acc = (acc << 8) | byte;
      nbits += 8;
    }
  };
  const receive = (n) => {
    if (n === 0) return 0;
    if (nbits < n) fill();
    nbits -= n;
    return (acc >>> nbits) & ((1 << n) - 1);
  };
  const extend = (v, n) => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  const decode = (t) => {
    if (nbits < 16) fill();
    const e = t.lut[(acc >>> (nbits - 9)) & 511];
    if (e) {
      nbits -= e >> 8;
      return e & 255;
    }
    const peek = (acc >>> (nbits - 16)) & 0xffff;
    for (let len = 10; len <= 16; len++) {
      const code = peek >>> (16 - len);
      if (code <= t.maxcode[len]) {
        nbits -= len;
        return t.symbols[t.valptr[len] + code - t.mincode[len]];
      }
    }
    throw new Error("bad huffman code");
  };
  const decodeBlock = (sc, out, off) => {
    const t = decode(sc.dc);
    sc.pred += extend(receive(t), t);
    out[off] = sc.pred;
    for (let k = 1; k < 64; ) {
      const rs = decode(sc.ac), r = rs >> 4, sz = rs & 15;
      if (sz === 0) {
        if (r === 15) { k += 16; continue; }
        break;
      }
      k += r;
      if (k > 63) break;
      out[off + ZIGZAG[k]] = extend(receive(sz), sz);
      k++;
    }
  };
  for (const sc of scomps) sc.pred = 0;
  const totalMcus = interleaved ? mcusX * mcusY : yBw * yBh;
  for (let mcu = 0; mcu < totalMcus; mcu++) {
    if (restart && mcu > 0 && mcu % restart === 0) {
      acc = 0;
      nbits = 0;
      while (pos + 1 < b.length && !(b[pos] === 0xff && b[pos + 1] >= 0xd0 && b[pos + 1] <= 0xd7)) pos++;
      pos += 2;
      for (const sc of scomps) sc.pred = 0;
    }
    if (!interleaved) {
      decodeBlock(scomps[0], coeffs, mcu * 64);
      continue;
    }
    const mx = mcu % mcusX, my = Math.floor(mcu / mcusX);
    for (const sc of scomps) {
      for (let v = 0; v < sc.c.v; v++) {
        for (let h = 0; h < sc.c.h; h++) {
          decodeBlock(sc, sc.coeffs, ((my * sc.c.v + v) * sc.bw + mx * sc.c.h + h) * 64);
        }
      }
    }
  }
  const planes = scomps.map((sc) => ({ w: frame.w, h: frame.h, bw: sc.bw, coeffs: sc.coeffs, q: qt[sc.c.tq] }));
  return { w: frame.w, h: frame.h, bw: yBw, bh: yBh, coeffs, q: qt[y.tq], planes };
}

// libjpeg-turbo jidctred.c (8-bit samples: CONST_BITS 13, PASS1_BITS 2), ported operation for operation.
const CB = 13, P1 = 2;
const F0211 = 1730, F0509 = 4176, F0601 = 4926, F0720 = 5906, F0765 = 6270, F0850 = 6967, F0899 = 7373, F1061 = 8697,
  F1272 = 10426, F1451 = 11893, F1847 = 15137, F2172 = 17799, F2562 = 20995, F3624 = 29692;
const descale = (x, n) => Math.floor((x + 2 ** (n - 1)) / 2 ** n); // doubles: products overflow 32 bits
const rangeLimit = (x) => (x + 128 < 0 ? 0 : x + 128 > 255 ? 255 : x + 128);

function idct4x4(c, q, off, out, ow, oh, x0, y0) {
  const ws = new Float64Array(32);
  for (let col = 0; col < 8; col++) {
    if (col === 4) continue;
    const z = (r) => c[off + r * 8 + col] * q[r * 8 + col];
    if (!c[off + 8 + col] && !c[off + 16 + col] && !c[off + 24 + col] && !c[off + 40 + col] && !c[off + 48 + col] && !c[off + 56 + col]) {
      const dc = z(0) * 2 ** P1;
      ws[col] = ws[8 + col] = ws[16 + col] = ws[24 + col] = dc;
      continue;
    }
    let tmp0 = z(0) * 2 ** (CB + 1);
    let tmp2 = z(2) * F1847 + z(6) * -F0765;
    const tmp10 = tmp0 + tmp2, tmp12 = tmp0 - tmp2;
    const z1 = z(7), z2 = z(5), z3 = z(3), z4 = z(1);
    tmp0 = z1 * -F0211 + z2 * F1451 + z3 * -F2172 + z4 * F1061;
    tmp2 = z1 * -F0509 + z2 * -F0601 + z3 * F0899 + z4 * F2562;
    ws[col] = descale(tmp10 + tmp2, CB - P1 + 1);
    ws[24 + col] = descale(tmp10 - tmp2, CB - P1 + 1);
    ws[8 + col] = descale(tmp12 + tmp0, CB - P1 + 1);
    ws[16 + col] = descale(tmp12 - tmp0, CB - P1 + 1);
  }
  for (let r = 0; r < 4; r++) {
    const w = (k) => ws[r * 8 + k];
    const row = new Int32Array(4);
    if (!w(1) && !w(2) && !w(3) && !w(5) && !w(6) && !w(7)) {
      row.fill(rangeLimit(descale(w(0), P1 + 3)));
    } else {
      let tmp0 = w(0) * 2 ** (CB + 1);
      let tmp2 = w(2) * F1847 + w(6) * -F0765;
      const tmp10 = tmp0 + tmp2, tmp12 = tmp0 - tmp2;
      const z1 = w(7), z2 = w(5), z3 = w(3), z4 = w(1);
      tmp0 = z1 * -F0211 + z2 * F1451 + z3 * -F2172 + z4 * F1061;
      tmp2 = z1 * -F0509 + z2 * -F0601 + z3 * F0899 + z4 * F2562;
      row[0] = rangeLimit(descale(tmp10 + tmp2, CB + P1 + 3 + 1));
      row[3] = rangeLimit(descale(tmp10 - tmp2, CB + P1 + 3 + 1));
      row[1] = rangeLimit(descale(tmp12 + tmp0, CB + P1 + 3 + 1));
      row[2] = rangeLimit(descale(tmp12 - tmp0, CB + P1 + 3 + 1));
    }
    if (y0 + r >= oh) break;
    for (let k = 0; k < 4 && x0 + k < ow; k++) out[(y0 + r) * ow + x0 + k] = row[k];
  }
}

function idct2x2(c, q, off, out, ow, oh, x0, y0) {
  const ws = new Float64Array(16);
  for (let col = 0; col < 8; col++) {
    if (col === 2 || col === 4 || col === 6) continue;
    const z = (r) => c[off + r * 8 + col] * q[r * 8 + col];
    if (!c[off + 8 + col] && !c[off + 24 + col] && !c[off + 40 + col] && !c[off + 56 + col]) {
      ws[col] = ws[8 + col] = z(0) * 2 ** P1;
      continue;
    }
    const tmp10 = z(0) * 2 ** (CB + 2);
    let tmp0 = z(7) * -F0720;
    tmp0 += z(5) * F0850;
    tmp0 += z(3) * -F1272;
    tmp0 += z(1) * F3624;
    ws[col] = descale(tmp10 + tmp0, CB - P1 + 2);
    ws[8 + col] = descale(tmp10 - tmp0, CB - P1 + 2);
  }
  for (let r = 0; r < 2; r++) {
    const w = (k) => ws[r * 8 + k];
    let v0, v1;
    if (!w(1) && !w(3) && !w(5) && !w(7)) {
      v0 = v1 = rangeLimit(descale(w(0), P1 + 3));
    } else {
      const tmp10 = w(0) * 2 ** (CB + 2);
      const tmp0 = w(7) * -F0720 + w(5) * F0850 + w(3) * -F1272 + w(1) * F3624;
      v0 = rangeLimit(descale(tmp10 + tmp0, CB + P1 + 3 + 2));
      v1 = rangeLimit(descale(tmp10 - tmp0, CB + P1 + 3 + 2));
    }
    if (y0 + r >= oh) break;
    out[(y0 + r) * ow + x0] = v0;
    if (x0 + 1 < ow) out[(y0 + r) * ow + x0 + 1] = v1;
  }
}

/** libjpeg's reduced decode of the luma at 1/s (jpeg_idct_1x1, _2x2, _4x4) from the file's coefficients. */
export function jpegDraftFromCoefficients(jc, s) {
  const { w, h, bw, coeffs, q } = jc;
  const p = 8 / s, ow = Math.ceil(w / s), oh = Math.ceil(h / s);
  const out = new Uint8Array(ow * oh);
  for (let by = 0; by * p < oh; by++) {
    for (let bx = 0; bx * p < ow; bx++) {
      const off = (by * bw + bx) * 64;
      if (s === 8) out[by * ow + bx] = rangeLimit(descale(coeffs[off] * q[0], 3));
      else if (s === 4) idct2x2(coeffs, q, off, out, ow, oh, bx * 2, by * 2);
      else idct4x4(coeffs, q, off, out, ow, oh, bx * 4, by * 4);
    }
  }
  return { data: out, w: ow, h: oh };
}

/** Pillow's CMYK JPEG (stored inverted, Adobe style) -> RGB (cmyk2rgb) -> L, from the four reduced planes. */
function cmykToGrey(planes) {
  const { w, h } = planes[0];
  const out = new Uint8Array(w * h);
  const md = (a, b) => {
    const t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  const clip = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0; i < w * h; i++) {
    const c = 255 - planes[0].data[i], m = 255 - planes[1].data[i], yy = 255 - planes[2].data[i];
    const nk = planes[3].data[i]; // 255 - k, with k itself stored inverted
    const r = clip(nk - md(c, nk)), g = clip(nk - md(m, nk)), b = clip(nk - md(yy, nk));
    out[i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  }
  return { data: out, w, h };
}

/* PNG is decoded here rather than by the browser: a canvas stores premultiplied 8-bit colour (half-transparent
 * pixels come back altered) and hands 16-bit samples over already cut to 8 bits, while Pillow sees the file's own
 * samples. Inflating uses the browser's DecompressionStream; the rest is the PNG specification. */

const PNG_CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];

async function inflate(chunks) {
  const stream = new Blob(chunks).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function paeth(a, b, c) {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decode a PNG's default image to its raw samples: {w, h, ct, depth, samples, palette, trns, orientation}. */
export async function decodePng(b) {
  const w = be32(b, 16), h = be32(b, 20), depth = b[24], ct = b[25], interlace = b[28];
  const channels = PNG_CHANNELS[ct];
  if (!channels) throw new FingerprintError("corrupt_image", "This picture seems to be damaged.");
  const idat = [];
  let palette = null, trns = null, orientation = 1;
  for (let o = 8; o + 8 <= b.length; ) {
    const len = be32(b, o), type = str(b, o + 4, 4), d = b.subarray(o + 8, o + 8 + len);
    if (type === "IDAT") idat.push(d);
    else if (type === "PLTE") palette = d;
    else if (type === "tRNS") trns = d;
    else if (type === "eXIf" && (d[0] === 0x49 || d[0] === 0x4d)) orientation = exifOrientation(d, 0, d.length);
    else if (type === "IEND") break;
    o += 12 + len;
  }
  const raw = await inflate(idat);
  const samples = depth === 16 ? new Uint16Array(w * h * channels) : new Uint8Array(w * h * channels);
  const bpp = Math.max(1, (channels * depth) >> 3);
  let pos = 0;
  for (const [x0, y0, dx, dy] of interlace ? ADAM7 : [[0, 0, 1, 1]]) {
    const pw = Math.ceil((w - x0) / dx), ph = Math.ceil((h - y0) / dy);
    if (pw <= 0 || ph <= 0) continue;
    const stride = Math.ceil((pw * channels * depth) / 8);
    let prev = new Uint8Array(stride), cur = new Uint8Array(stride);
    for (let r = 0; r < ph; r++) {
      const filter = raw[pos++];
      cur.set(raw.subarray(pos, pos + stride));
      pos += stride;
      // One loop per filter type: a branch per byte cost a third of a 12 MP decode.
      if (filter === 1) {
        for (let i = bpp; i < stride; i++) cur[i] = (cur[i] + cur[i - bpp]) & 255;
      } else if (filter === 2) {
        for (let i = 0; i < stride; i++) cur[i] = (cur[i] + prev[i]) & 255;
      } else if (filter === 3) {
        for (let i = 0; i < stride; i++) cur[i] = (cur[i] + (((i >= bpp ? cur[i - bpp] : 0) + prev[i]) >> 1)) & 255;
      } else if (filter === 4) {
        for (let i = 0; i < bpp && i < stride; i++) cur[i] = (cur[i] + paeth(0, prev[i], 0)) & 255;
        for (let i = bpp; i < stride; i++) cur[i] = (cur[i] + paeth(cur[i - bpp], prev[i], prev[i - bpp])) & 255;
      }
      const y = y0 + r * dy;
      if (depth === 8 && dx === 1) {
        samples.set(cur.subarray(0, pw * channels), (y * w + x0) * channels);
        [prev, cur] = [cur, prev];
        continue;
      }
      for (let k = 0; k < pw * channels; k++) {
        let v;
        if (depth === 8) v = cur[k];
        else if (depth === 16) v = (cur[2 * k] << 8) | cur[2 * k + 1];
        else {
          const bit = k * depth;
          v = (cur[bit >> 3] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
        }
        const x = x0 + Math.floor(k / channels) * dx;
        samples[(y * w + x) * channels + (k % channels)] = v;
      }
      [prev, cur] = [cur, prev];
    }
  }
  return { w, h, ct, depth, channels, samples, palette, trns, orientation };
}

/** hashing.decode.to_grey of a decoded PNG, following the mode Pillow opens it in, after _reduce when the picture
 * is above REDUCED_PIXELS; then EXIF orientation. Returns {data, w, h, scale}. */
export function pngToGrey(png) {
  const { w, h, ct, depth, samples, palette, trns } = png;
  const k = reduceFactor(w, h);
  const n = w * h;
  const hi = (v) => (depth === 16 ? v >> 8 : v); // Pillow reads 16-bit colour as its high byte
  const luma = (r, g, b) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
  let grey;
  if (k > 1) {
    let r;
    if (ct === 0 && depth === 16) {
      r = reduceI16(samples, w, h, k);
      r.data = integerToGrey(r.data);
    } else {
      // The samples in the mode Pillow opens the file in ("1" is reduced as "L", palette as RGB or RGBA).
      let c = PNG_CHANNELS[ct], px;
      if (ct === 0) {
        const scale = depth === 1 ? 255 : depth === 2 ? 85 : depth === 4 ? 17 : 1;
        px = scale === 1 ? samples : samples.map((v) => v * scale);
      } else if (ct === 3) {
        c = trns ? 4 : 3;
        const lut = new Uint8Array(256 * 4);
        for (let e = 0; e < 256; e++) {
          for (let j = 0; j < 3; j++) lut[4 * e + j] = palette && 3 * e + j < palette.length ? palette[3 * e + j] : 0;
          lut[4 * e + 3] = trns && e < trns.length ? trns[e] : 255;
        }
        px = new Uint8Array(n * c);
        for (let i = 0, p = 0; i < n; i++) for (let j = 0, e = 4 * samples[i]; j < c; j++) px[p++] = lut[e + j];
      } else {
        px = depth === 16 ? Uint8Array.from(samples, (v) => v >> 8) : samples;
      }
      r = reduceToGrey(px, w, h, c, k);
    }
    return { ...orient(r.data, r.w, r.h, png.orientation), scale: k };
  }
  grey = new Uint8Array(n);
  if (ct === 0) {
    const scale = depth === 1 ? 255 : depth === 2 ? 85 : depth === 4 ? 17 : 1;
    if (depth === 16) grey = integerToGrey(samples);
    else for (let i = 0; i < n; i++) grey[i] = samples[i] * scale;
  } else if (ct === 2) {
    for (let i = 0; i < n; i++) grey[i] = luma(hi(samples[3 * i]), hi(samples[3 * i + 1]), hi(samples[3 * i + 2]));
  } else if (ct === 3) {
    const lut = new Uint8Array(256), alpha = new Uint8Array(256).fill(255);
    for (let k = 0; palette && k < 256 && 3 * k + 2 < palette.length; k++) lut[k] = luma(palette[3 * k], palette[3 * k + 1], palette[3 * k + 2]);
    if (trns) for (let k = 0; k < trns.length && k < 256; k++) alpha[k] = trns[k];
    for (let i = 0; i < n; i++) {
      const l = lut[samples[i]], a = trns ? alpha[samples[i]] : 255;
      grey[i] = a === 255 ? l : overWhite(l, a);
    }
  } else if (ct === 4) {
    for (let i = 0; i < n; i++) {
      const l = hi(samples[2 * i]), a = hi(samples[2 * i + 1]);
      grey[i] = a === 255 ? l : overWhite(l, a);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const l = luma(hi(samples[4 * i]), hi(samples[4 * i + 1]), hi(samples[4 * i + 2])), a = hi(samples[4 * i + 3]);
      grey[i] = a === 255 ? l : overWhite(l, a);
    }
  }
  return { ...orient(grey, w, h, png.orientation), scale: 1 };
}

/* ----------------------------------------------------------------------------------------------------------
 * Pillow LANCZOS resize (libImaging/Resample.c, 8 bits per channel)
 * -------------------------------------------------------------------------------------------------------- */

const PRECISION_BITS = 32 - 8 - 2;

function sincFilter(x) {
  if (x === 0.0) return 1.0;
  x = x * Math.PI;
  return Math.sin(x) / x;
}
function lanczosFilter(x) {
  if (-3.0 <= x && x < 3.0) return sincFilter(x) * sincFilter(x / 3);
  return 0.0;
}

function precomputeCoeffs(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = scale < 1.0 ? 1.0 : scale;
  const support = 3.0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const pre = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = 0 + (xx + 0.5) * scale;
    let ww = 0.0;
    const ss = 1.0 / filterscale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    for (let x = 0; x < xmax; x++) {
      const wv = lanczosFilter((x + xmin - center + 0.5) * ss);
      pre[x] = wv;
      ww += wv;
    }
    for (let x = 0; x < xmax; x++) {
      let v = pre[x];
      if (ww !== 0.0) v /= ww;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(v) {
  const s = v >> PRECISION_BITS;
  return s < 0 ? 0 : s > 255 ? 255 : s;
}

function resampleHorizontal(data, w, h, outW) {
  const { ksize, bounds, kk } = precomputeCoeffs(w, outW);
  const half = 1 << (PRECISION_BITS - 1);
  const out = new Uint8Array(outW * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1], k = xx * ksize;
      let ss = half;
      for (let x = 0; x < xmax; x++) ss += data[row + xmin + x] * kk[k + x];
      out[y * outW + xx] = clip8(ss);
    }
  }
  return out;
}

function resampleVertical(data, w, h, outH) {
  const { ksize, bounds, kk } = precomputeCoeffs(h, outH);
  const half = 1 << (PRECISION_BITS - 1);
  const out = new Uint8Array(w * outH);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2], ymax = bounds[yy * 2 + 1], k = yy * ksize;
    for (let x = 0; x < w; x++) {
      let ss = half;
      for (let y = 0; y < ymax; y++) ss += data[(y + ymin) * w + x] * kk[k + y];
      out[yy * w + x] = clip8(ss);
    }
  }
  return out;
}

/** Image.resize((outW, outH), LANCZOS) of an "L" picture: two passes with an 8-bit clip in between.
 * Pillow 13 runs the vertical pass first when the picture shrinks about twice as much vertically as
 * horizontally (found by comparing both orders with Pillow on many sizes); the order changes rounding. */
export function lanczosResize(img, outW, outH) {
  const { data, w, h } = img;
  const needH = outW !== w, needV = outH !== h;
  if (needH && needV && h > outH && h - outH > 2 * (w - outW)) {
    const tmp = resampleVertical(data, w, h, outH);
    return { data: resampleHorizontal(tmp, w, outH, outW), w: outW, h: outH };
  }
  let out = data;
  if (needH) out = resampleHorizontal(out, w, h, outW);
  if (needV) out = resampleVertical(out, outW, h, outH);
  return { data: out, w: outW, h: outH };
}

/* ----------------------------------------------------------------------------------------------------------
 * Hashes (hashing.signals, hashing.pdq)
 * -------------------------------------------------------------------------------------------------------- */

function median(values) {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function bitsToHex(bits) {
  let s = "";
  for (let i = 0; i < bits.length; i += 4) {
    s += ((bits[i] << 3) | (bits[i + 1] << 2) | (bits[i + 2] << 1) | bits[i + 3]).toString(16);
  }
  return s;
}

/** imagehash.phash: LANCZOS to 32x32, scipy DCT-II (unnormalised) on both axes, low 8x8 above their median. */
export function phash(img) {
  const p = lanczosResize(img, 32, 32).data;
  const N = 32;
  const cos = new Float64Array(8 * N);
  for (let k = 0; k < 8; k++) for (let n = 0; n < N; n++) cos[k * N + n] = Math.cos((Math.PI * k * (2 * n + 1)) / (2 * N));
  const col = new Float64Array(8 * N); // dct along axis 0, first 8 rows
  for (let k = 0; k < 8; k++) {
    for (let x = 0; x < N; x++) {
      let v = 0;
      for (let n = 0; n < N; n++) v += p[n * N + x] * cos[k * N + n];
      col[k * N + x] = 2 * v;
    }
  }
  const low = new Float64Array(64);
  for (let r = 0; r < 8; r++) {
    for (let k = 0; k < 8; k++) {
      let v = 0;
      for (let n = 0; n < N; n++) v += col[r * N + n] * cos[k * N + n];
      low[r * 8 + k] = 2 * v;
    }
  }
  const med = median(low);
  return bitsToHex(Array.from(low, (v) => (v > med ? 1 : 0)));
}

/** imagehash.dhash: LANCZOS to 9x8, each pixel brighter than its left neighbour. */
export function dhash(img) {
  const p = lanczosResize(img, 9, 8).data;
  const bits = [];
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits.push(p[y * 9 + x + 1] > p[y * 9 + x] ? 1 : 0);
  return bitsToHex(bits);
}

const HAAR = 0.7071067811865476; // pywt haar dec_lo/rec_lo

/** One PyWavelets dwt level of an n x n array: axis 0 then axis 1; returns the four sub-bands (n/2 square). */
function dwt2(x, n) {
  const m = n / 2;
  const a0 = new Float64Array(m * n), d0 = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const x0 = x[2 * i * n + j], x1 = x[(2 * i + 1) * n + j];
      a0[i * n + j] = HAAR * x1 + HAAR * x0;
      d0[i * n + j] = -HAAR * x1 + HAAR * x0;
    }
  }
  const split = (src) => {
    const a = new Float64Array(m * m), d = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const x0 = src[i * n + 2 * j], x1 = src[i * n + 2 * j + 1];
        a[i * m + j] = HAAR * x1 + HAAR * x0;
        d[i * m + j] = -HAAR * x1 + HAAR * x0;
      }
    }
    return [a, d];
  };
  const [aa, ad] = split(a0);
  const [da, dd] = split(d0);
  return { aa, ad, da, dd };
}

/** PyWavelets idwt2 (idwtn: axis 1 first, then axis 0) of m x m sub-bands into a 2m x 2m array. */
function idwt2(b, m) {
  const n = 2 * m;
  const join = (lo, hi) => {
    const out = new Float64Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const a = lo[i * m + j], d = hi[i * m + j];
        out[i * n + 2 * j] = HAAR * a + HAAR * d;
        out[i * n + 2 * j + 1] = HAAR * a + -HAAR * d;
      }
    }
    return out;
  };
  const a = join(b.aa, b.ad), d = join(b.da, b.dd);
  const out = new Float64Array(n * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const av = a[i * n + j], dv = d[i * n + j];
      out[2 * i * n + j] = HAAR * av + HAAR * dv;
      out[(2 * i + 1) * n + j] = HAAR * av + -HAAR * dv;
    }
  }
  return out;
}

function floorLog2(n) {
  let k = 0;
  while (2 ** (k + 1) <= n) k++;
  return k;
}

/** imagehash.whash (haar, remove_max_haar_ll): see hashing.signals.whash_bits. */
export function whash(img) {
  const natural = 2 ** floorLog2(Math.min(img.w, img.h));
  const scale = Math.max(natural, 8);
  const levels = floorLog2(scale);
  const small = lanczosResize(img, scale, scale).data;
  let x = new Float64Array(scale * scale);
  for (let i = 0; i < x.length; i++) x[i] = small[i] / 255.0;
  // wavedec2 to the full level, zero the coarsest approximation, waverec2.
  const details = [];
  let cur = x, n = scale;
  for (let l = 0; l < levels; l++) {
    const b = dwt2(cur, n);
    details.push(b);
    cur = b.aa;
    n /= 2;
  }
  cur = new Float64Array(cur.length).map((v) => v * 0);
  for (let l = levels - 1; l >= 0; l--) {
    const b = details[l];
    cur = idwt2({ aa: cur, ad: b.ad, da: b.da, dd: b.dd }, n);
    n *= 2;
  }
  // wavedec2 to level (levels - 3): its approximation is 8x8.
  for (let l = 0; l < levels - 3; l++) {
    cur = dwt2(cur, n).aa;
    n /= 2;
  }
  const med = median(cur);
  return bitsToHex(Array.from(cur, (v) => (v > med ? 1 : 0)));
}

const PDQ_DIVISOR = 128, PDQ_PASSES = 2;
const pdqOperatorCache = new Map();

/** hashing.pdq._axis_operator: 64 x decoded matrix (rows with their non-zero span). */
function pdqAxisOperator(full, decoded) {
  const key = full + "x" + decoded;
  if (pdqOperatorCache.has(key)) return pdqOperatorCache.get(key);
  const window = Math.floor((full + PDQ_DIVISOR - 1) / PDQ_DIVISOR);
  const half = Math.floor((window + 2) / 2);
  const loOff = window - half, hiOff = half - 1;
  const count = new Float64Array(full);
  for (let q = 0; q < full; q++) count[q] = Math.min(q + hiOff, full - 1) - Math.max(q - loOff, 0) + 1;
  const rows = [];
  const u = new Float64Array(full), c = new Float64Array(full + 1);
  for (let i = 0; i < 64; i++) {
    let r = new Float64Array(full);
    r[Math.trunc(((i + 0.5) * full) / 64)] = 1.0;
    for (let pass = 0; pass < PDQ_PASSES; pass++) {
      // _box_sum(r / count, before=hiOff, after=loOff) via a cumulative sum, as NumPy does it.
      for (let k = 0; k < full; k++) u[k] = r[k] / count[k];
      c[0] = 0;
      for (let k = 0; k < full; k++) c[k + 1] = c[k] + u[k];
      const out = new Float64Array(full);
      for (let k = 0; k < full; k++) out[k] = c[Math.min(k + loOff, full - 1) + 1] - c[Math.max(k - hiOff, 0)];
      r = out;
    }
    let row = r;
    if (decoded !== full) {
      row = new Float64Array(decoded);
      for (let k = 0; k < full; k++) row[Math.floor((k * decoded) / full)] += r[k];
    }
    let lo = 0, hi = row.length - 1;
    while (lo < hi && row[lo] === 0) lo++;
    while (hi > lo && row[hi] === 0) hi--;
    rows.push({ row, lo, hi });
  }
  if (pdqOperatorCache.size > 64) pdqOperatorCache.clear();
  pdqOperatorCache.set(key, rows);
  return rows;
}

let pdqDct = null;
function pdqDctMatrix() {
  if (!pdqDct) {
    pdqDct = new Float64Array(16 * 64);
    for (let i = 1; i <= 16; i++) {
      for (let j = 0; j < 64; j++) pdqDct[(i - 1) * 64 + j] = Math.sqrt(2.0 / 64.0) * Math.cos((Math.PI / 2 / 64.0) * i * (2 * j + 1));
    }
  }
  return pdqDct;
}

/** hashing.pdq.pdq: (hex, quality) of a luma picture standing for fullW x fullH pixels. */
export function pdq(img, fullW, fullH) {
  const { data, w, h } = img;
  const ay = pdqAxisOperator(fullH || h, h), ax = pdqAxisOperator(fullW || w, w);
  const t = new Float64Array(64 * w); // ay @ luma
  for (let i = 0; i < 64; i++) {
    const { row, lo, hi } = ay[i];
    const ti = i * w;
    for (let y = lo; y <= hi; y++) {
      const wy = row[y];
      if (wy === 0) continue;
      const src = y * w;
      for (let x = 0; x < w; x++) t[ti + x] += wy * data[src + x];
    }
  }
  const buf = new Float64Array(64 * 64); // (ay @ luma) @ ax.T
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 64; j++) {
      const { row, lo, hi } = ax[j];
      let v = 0;
      for (let x = lo; x <= hi; x++) v += t[i * w + x] * row[x];
      buf[i * 64 + j] = v;
    }
  }
  // quality: summed integer-truncated gradients / 90, capped at 100
  let total = 0;
  for (let i = 0; i < 63; i++) for (let j = 0; j < 64; j++) total += Math.abs(Math.trunc(((buf[i * 64 + j] - buf[(i + 1) * 64 + j]) * 100) / 255));
  for (let i = 0; i < 64; i++) for (let j = 0; j < 63; j++) total += Math.abs(Math.trunc(((buf[i * 64 + j] - buf[i * 64 + j + 1]) * 100) / 255));
  const quality = Math.min(100, Math.floor(total / 90));
  const d = pdqDctMatrix();
  const tmp = new Float64Array(16 * 64);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j++) {
      let v = 0;
      for (let k = 0; k < 64; k++) v += d[i * 64 + k] * buf[k * 64 + j];
      tmp[i * 64 + j] = v;
    }
  }
  const coeffs = new Float64Array(256);
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j++) {
      let v = 0;
      for (let k = 0; k < 64; k++) v += tmp[i * 64 + k] * d[j * 64 + k];
      coeffs[i * 16 + j] = v;
    }
  }
  const med = median(coeffs);
  const bits = new Array(256);
  for (let b = 0; b < 256; b++) bits[255 - b] = coeffs[b] > med ? 1 : 0; // hex prints bit 255 first
  return { hex: bitsToHex(bits), quality };
}

/* ----------------------------------------------------------------------------------------------------------
 * Borders (hashing.trim.content_box) and the matcher's variants (hashing.core.hashes_from_decoded)
 * -------------------------------------------------------------------------------------------------------- */

const TRIM = { workSide: 256, flatActivity: 1.2, flatRelative: 0.25, uniformTolerance: 10, uniformFraction: 0.8,
  maxGap: 0.08, maxSideTrim: 0.45, minTrim: 0.03, minKeep: 0.2 };

function float32Median(values) {
  const s = Float32Array.from(values).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : Math.fround(Math.fround(s[n / 2 - 1] + s[n / 2]) / 2);
}

/** _line_flags: for each row of the lines x len matrix ``a``, is it border-like (flat, blurred or one grey). */
function lineFlags(a, lines, len) {
  const activity = new Float32Array(lines);
  for (let r = 0; r < lines; r++) {
    const o = r * len;
    let s = 0;
    for (let k = 0; k < len - 1; k++) s += Math.abs(a[o + k + 1] - a[o + k]);
    activity[r] = Math.fround(s / (len - 1));
  }
  const q = Math.floor(lines / 4);
  const central = activity.subarray(q, Math.max(q + 1, Math.floor((3 * lines) / 4)));
  const ref = central.length ? float32Median(central) : 0.0;
  const limit = Math.fround(Math.max(TRIM.flatActivity, Math.min(3.0, TRIM.flatRelative * ref)));
  const flags = new Array(lines);
  for (let r = 0; r < lines; r++) {
    const line = a.subarray(r * len, (r + 1) * len);
    const med = float32Median(line);
    let within = 0;
    for (let k = 0; k < len; k++) if (Math.abs(line[k] - med) <= TRIM.uniformTolerance) within++;
    flags[r] = activity[r] < limit || within / len >= TRIM.uniformFraction;
  }
  return flags;
}

function scan(flags) {
  const n = flags.length;
  const limit = Math.trunc(n * TRIM.maxSideTrim);
  const maxGap = Math.max(1, Math.trunc(n * TRIM.maxGap));
  let cut = 0, gap = 0, border = 0;
  for (let i = 0; i < limit; i++) {
    if (flags[i]) {
      border++;
      gap = 0;
      if (border >= 0.6 * (i + 1)) cut = i + 1;
    } else {
      gap++;
      if (gap > maxGap) break;
    }
  }
  return cut;
}

/** Relative (x0, y0, x1, y1) of the content inside added borders, or null. */
export function contentBox(img) {
  const { data, w, h } = img;
  const step = Math.max(1, Math.ceil(Math.max(h, w) / TRIM.workSide));
  const sh = Math.ceil(h / step), sw = Math.ceil(w / step);
  if (sh < 16 || sw < 16) return null;
  const a = new Float32Array(sh * sw);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) a[y * sw + x] = data[y * step * w + x * step];
  const t = new Float32Array(sw * sh);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) t[x * sh + y] = a[y * sw + x];
  const rows = lineFlags(a, sh, sw);
  const cols = lineFlags(t, sw, sh);
  let top = scan(rows), bottom = scan(rows.slice().reverse());
  let left = scan(cols), right = scan(cols.slice().reverse());
  if (top + bottom < TRIM.minTrim * sh) top = bottom = 0;
  if (left + right < TRIM.minTrim * sw) left = right = 0;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return null;
  if (sh - top - bottom < TRIM.minKeep * sh || sw - left - right < TRIM.minKeep * sw) return null;
  return [left / sw, top / sh, (sw - right) / sw, (sh - bottom) / sh];
}

function mirror(img) {
  const { data, w, h } = img;
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = data[y * w + w - 1 - x];
  return { data: out, w, h };
}

function crop(img, x0, y0, x1, y1) {
  const cw = x1 - x0, ch = y1 - y0;
  const out = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) out.set(img.data.subarray((y0 + y) * img.w + x0, (y0 + y) * img.w + x1), y * cw);
  return { data: out, w: cw, h: ch };
}

function variantHashes(name, img, fullW, fullH, box) {
  const v = { name, phash: phash(img), dhash: dhash(img), pdq: pdq(img, fullW, fullH).hex };
  if (box) v.box = box.map((x) => Math.round(x * 1e4) / 1e4);
  return v;
}

/** Every hash of a reduced greyscale picture ``grey`` (decode scale ``s``) of a fullW x fullH original. */
export function hashesFromGrey(grey, s, fullW, fullH) {
  const main = pdq(grey, fullW, fullH);
  const out = { phash: phash(grey), dhash: dhash(grey), whash: whash(grey), pdq: main.hex, pdq_quality: main.quality };
  const variants = [variantHashes("mirror", mirror(grey), fullW, fullH)];
  const box = contentBox(grey);
  if (box) {
    const px = [rint(box[0] * grey.w), rint(box[1] * grey.h), rint(box[2] * grey.w), rint(box[3] * grey.h)];
    const c = crop(grey, ...px);
    const cw = (px[2] - px[0]) * s, ch = (px[3] - px[1]) * s;
    variants.push(variantHashes("trimmed", c, cw, ch, box));
    variants.push(variantHashes("trimmed-mirror", mirror(c), cw, ch, box));
  }
  out.variants = variants;
  return out;
}

/* ----------------------------------------------------------------------------------------------------------
 * The whole record
 * -------------------------------------------------------------------------------------------------------- */

async function decodeWithBrowser(blob, progress, reduce) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: "from-image", premultiplyAlpha: "none", colorSpaceConversion: "none" });
  } catch {
    throw new FingerprintError("undecodable", "This browser cannot open this picture.");
  }
  try {
    if (bitmap.width * bitmap.height > LIMITS.maxPixels || Math.max(bitmap.width, bitmap.height) > LIMITS.maxSide) {
      throw new FingerprintError("too_many_pixels", "This picture has more pixels than we can fingerprint.");
    }
    const k = reduce ? reduceFactor(bitmap.width, bitmap.height) : 1;
    const report = (f) => progress("decoding", f);
    if (k > 1) return { ...bitmapToReducedGrey(bitmap, k, report), fullW: bitmap.width, fullH: bitmap.height, scale: k };
    return { ...bitmapToGrey(bitmap, report), fullW: bitmap.width, fullH: bitmap.height, scale: 1 };
  } finally {
    bitmap.close();
  }
}

const FORMAT_NAMES = { jpeg: "JPEG", png: "PNG", gif: "GIF", webp: "WEBP", heif: "HEIF" };

/** The file's bytes, format and header facts, after the checks the server makes before decoding. */
async function readChecked(blob, progress) {
  if (blob.size === 0) throw new FingerprintError("empty_file", "This file is empty.");
  if (blob.size > LIMITS.maxBytes) throw new FingerprintError("file_too_large", "This file is too large.");
  progress("reading", 0);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const kind = sniff(bytes);
  let info = { width: 0, height: 0, orientation: 1, frames: 1 };
  try {
    info = { jpeg: jpegInfo, png: pngInfo, gif: gifInfo, webp: webpInfo }[kind]?.(bytes) || info;
  } catch {
    throw new FingerprintError("corrupt_image", "This picture seems to be damaged.");
  }
  if (info.width * info.height > LIMITS.maxPixels || Math.max(info.width, info.height) > LIMITS.maxSide) {
    throw new FingerprintError("too_many_pixels", "This picture has more pixels than we can fingerprint.");
  }
  if (info.frames > LIMITS.maxFrames) throw new FingerprintError("too_many_pixels", "This animation has too many frames.");
  return { bytes, kind, info };
}

/** hashing.core._hashing_grey(hashing.decode.decode(file)): the luma picture every hash is computed from, its scale
 * ``s`` (decode_scale) and the oriented full size. */
async function hashingGreyOf(blob, bytes, kind, info, progress) {
  let grey = null, width = 0, height = 0, s = 1;
  const o = info.orientation;
  // Pillow draft for JPEG: the largest of 8, 4, 2 that keeps both sides >= 256, applied before EXIF orientation.
  const want = Math.min(Math.floor(info.width / DRAFT_MIN_SIDE), Math.floor(info.height / DRAFT_MIN_SIDE));
  const scale = kind === "jpeg" ? [8, 4, 2, 1].find((v) => want >= v) || 1 : 1;
  if (scale > 1) {
    // Baseline JPEG: the reduced picture straight from the coefficients; no full-size decode is needed.
    try {
      const jc = jpegLumaCoefficients(bytes);
      if (jc && jc.w === info.width && jc.h === info.height) {
        let small;
        if (jc.planes.length === 4) {
          let planes = jc.planes.map((pl) => jpegDraftFromCoefficients(pl, scale));
          const k = reduceFactor(planes[0].w, planes[0].h);
          if (k > 1) {
            // Pillow holds the Adobe CMYK planes inverted and reduces them so: invert, reduce, invert back.
            const inv = (d) => d.map((v) => 255 - v);
            planes = planes.map((pl) => {
              const r = reduceBlocks(inv(pl.data), pl.w, pl.h, 1, k);
              return { data: inv(r.data), w: r.w, h: r.h };
            });
          }
          small = cmykToGrey(planes);
          s = k;
        } else {
          small = jpegDraftFromCoefficients(jc, scale);
          const k = reduceFactor(small.w, small.h);
          s = k;
          if (k > 1) small = reduceBlocks(small.data, small.w, small.h, 1, k);
        }
        s *= Math.max(1, Math.round(info.width / Math.ceil(info.width / scale)));
        grey = orient(small.data, small.w, small.h, o);
        [width, height] = o >= 5 ? [info.height, info.width] : [info.width, info.height];
      }
    } catch {
      grey = null; // the browser's decoder gets its chance below
    }
  }
  if (!grey && kind === "png") {
    try {
      const png = await decodePng(bytes);
      grey = pngToGrey(png);
      s = grey.scale;
      [width, height] = png.orientation >= 5 ? [png.h, png.w] : [png.w, png.h];
    } catch {
      grey = null;
    }
  }
  if (!grey) {
    // JPEGs come back oriented and in full; other formats are reduced while they are read from the canvas.
    grey = await decodeWithBrowser(blob, progress, kind !== "jpeg");
    [width, height, s] = [grey.fullW, grey.fullH, grey.scale];
    if (kind === "jpeg") {
      // Progressive and other JPEGs this module does not entropy-decode: estimate the draft from the full decode,
      // then reduce it like the server when it is still above REDUCED_PIXELS (very long panoramas).
      const [rawW, rawH] = o >= 5 ? [grey.h, grey.w] : [grey.w, grey.h];
      const k = reduceFactor(Math.ceil(rawW / scale), Math.ceil(rawH / scale));
      if (scale > 1 || k > 1) {
        let raw = orient(grey.data, grey.w, grey.h, o, true);
        if (scale > 1) raw = jpegDraft(raw, scale);
        if (k > 1) raw = reduceBlocks(raw.data, raw.w, raw.h, 1, k);
        grey = orient(raw.data, raw.w, raw.h, o);
      }
      s = k * Math.max(1, Math.round(rawW / Math.ceil(rawW / scale)));
    }
  }
  progress("hashing", 0.5);
  // hashing.core._hashing_grey: a further Image.reduce keeps both sides >= 256 and the overall factor <= 8.
  const k2 = Math.min(Math.floor(Math.min(grey.w, grey.h) / DRAFT_MIN_SIDE), Math.floor(8 / s));
  if (k2 >= 2) {
    grey = pillowReduce(grey, k2);
    s *= k2;
  }
  return { grey, s, width, height };
}

/** The picture the hashes of ``blob`` are computed from ({data, w, h}, scale ``s``): what the oracle test compares
 * pixel for pixel with the server's. */
export async function hashingGrey(blob) {
  const { bytes, kind, info } = await readChecked(blob, () => {});
  const { grey, s } = await hashingGreyOf(blob, bytes, kind, info, () => {});
  return { ...grey, s };
}

export async function fingerprintBlob(blob, progress = () => {}) {
  const { bytes, kind, info } = await readChecked(blob, progress);
  const [sha, md] = [await sha256(bytes), md5(bytes)];
  progress("decoding", 0.05);
  const { grey, s, width, height } = await hashingGreyOf(blob, bytes, kind, info, progress);
  const hashes = hashesFromGrey(grey, s, width, height);
  progress("done", 1);
  return {
    sha256: sha,
    md5: md,
    phash: hashes.phash,
    dhash: hashes.dhash,
    whash: hashes.whash,
    pdq: hashes.pdq,
    pdq_quality: hashes.pdq_quality,
    width,
    height,
    format: FORMAT_NAMES[kind],
    frames: info.frames,
    animated: info.frames > 1,
    decode_scale: s,
    variants: hashes.variants,
    computed_on: "device",
  };
}

if (typeof WorkerGlobalScope !== "undefined" && globalThis instanceof WorkerGlobalScope) {
  globalThis.onmessage = async (event) => {
    const { id, blob } = event.data;
    const progress = (stage, fraction) => globalThis.postMessage({ id, type: "progress", stage, fraction });
    try {
      const record = await fingerprintBlob(blob, progress);
      globalThis.postMessage({ id, type: "done", record });
    } catch (err) {
      globalThis.postMessage({ id, type: "error", code: err.code || "undecodable", message: String(err.message || err) });
    }
  };
}
