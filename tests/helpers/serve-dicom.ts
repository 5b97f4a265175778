/**
 * A minimal DICOM Part 10 writer for tests: 128-byte preamble, 'DICM', the file meta group in
 * Explicit VR Little Endian, then the data set in the chosen transfer syntax (Explicit VR Little
 * Endian, Implicit VR Little Endian or Explicit VR Big Endian), elements in ascending tag order.
 */

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpeg2000: '1.2.840.10008.1.2.4.90',
} as const;

type Value = { vr: 'US'; value: number | number[] } | { vr: 'UI' | 'CS' | 'DS' | 'IS' | 'LO' | 'PN'; value: string } | { vr: 'OB' | 'OW'; value: Uint8Array | Uint16Array };

/** One element: tag as [group, element]. */
export interface DicomElement {
  tag: [number, number];
  v: Value;
}

const LONG_VRS = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function valueBytes(v: Value, little: boolean): Uint8Array {
  if (v.vr === 'US') {
    const list = Array.isArray(v.value) ? v.value : [v.value];
    const b = new Uint8Array(list.length * 2);
    const dv = new DataView(b.buffer);
    list.forEach((x, i) => dv.setUint16(i * 2, x, little));
    return b;
  }
  if (v.vr === 'OB') return padEven(v.value as Uint8Array, 0);
  if (v.vr === 'OW') {
    const words = v.value as Uint16Array;
    const b = new Uint8Array(words.length * 2);
    const dv = new DataView(b.buffer);
    words.forEach((x, i) => dv.setUint16(i * 2, x, little));
    return b;
  }
  return padEven(new TextEncoder().encode(v.value as string), v.vr === 'UI' ? 0 : 0x20);
}

function padEven(b: Uint8Array, pad: number): Uint8Array {
  if (b.length % 2 === 0) return b;
  const o = new Uint8Array(b.length + 1);
  o.set(b);
  o[b.length] = pad;
  return o;
}

function encodeElement(e: DicomElement, explicit: boolean, little: boolean): Uint8Array {
  const value = valueBytes(e.v, little);
  const long = LONG_VRS.has(e.v.vr);
  const headerLen = explicit ? (long ? 12 : 8) : 8;
  const out = new Uint8Array(headerLen + value.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, e.tag[0], little);
  dv.setUint16(2, e.tag[1], little);
  if (explicit) {
    out[4] = e.v.vr.charCodeAt(0);
    out[5] = e.v.vr.charCodeAt(1);
    if (long) dv.setUint32(8, value.length, little);
    else dv.setUint16(6, value.length, little);
  } else {
    dv.setUint32(4, value.length, little);
  }
  out.set(value, headerLen);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, b) => a + b.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A Part 10 file with `elements` (any order; sorted by tag) in transfer syntax `ts`. */
export function writeDicom(elements: DicomElement[], ts: string): Uint8Array {
  const meta = [
    { tag: [0x0002, 0x0001], v: { vr: 'OB', value: Uint8Array.of(0, 1) } },
    { tag: [0x0002, 0x0002], v: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' } },
    { tag: [0x0002, 0x0003], v: { vr: 'UI', value: '1.2.826.0.1.3680043.8.498.1' } },
    { tag: [0x0002, 0x0010], v: { vr: 'UI', value: ts } },
    { tag: [0x0002, 0x0012], v: { vr: 'UI', value: '1.2.826.0.1.3680043.8.498.2' } },
  ] as DicomElement[];
  const metaBody = concat(meta.map((e) => encodeElement(e, true, true)));
  // (0002,0000) File Meta Information Group Length, UL: the byte count of the rest of the group.
  const gl = new Uint8Array(12);
  const gdv = new DataView(gl.buffer);
  gdv.setUint16(0, 0x0002, true);
  gdv.setUint16(2, 0x0000, true);
  gl[4] = 'U'.charCodeAt(0);
  gl[5] = 'L'.charCodeAt(0);
  gdv.setUint16(6, 4, true);
  gdv.setUint32(8, metaBody.length, true);
  const explicit = ts !== TS.implicitLE;
  const little = ts !== TS.explicitBE;
  const sorted = [...elements].sort((a, b) => a.tag[0] - b.tag[0] || a.tag[1] - b.tag[1]);
  const body = concat(sorted.map((e) => encodeElement(e, explicit, little)));
  const preamble = new Uint8Array(132);
  preamble.set(new TextEncoder().encode('DICM'), 128);
  return concat([preamble, gl, metaBody, body]);
}

/** Options of {@link imageDicom}. */
export interface ImageDicomOptions {
  rows: number;
  columns: number;
  /** MONOCHROME1, MONOCHROME2 or RGB. */
  photometric: string;
  bitsAllocated: 8 | 16;
  bitsStored?: number;
  signed?: boolean;
  samplesPerPixel?: number;
  planarConfiguration?: 0 | 1;
  frames?: number;
  slope?: number;
  intercept?: number;
  /** Window center/width; a string may hold several values ('40\\80'), the first one counts. */
  window?: { center: number | string; width: number | string };
  /** 8-bit: bytes; 16-bit: words (already two's complement / masked as stored). Omit for no Pixel Data. */
  pixels?: Uint8Array | Uint16Array;
  ts?: string;
}

/** An image DICOM (SOP class Secondary Capture) with the given pixel module. */
export function imageDicom(opts: ImageDicomOptions): Uint8Array {
  const spp = opts.samplesPerPixel ?? (opts.photometric === 'RGB' ? 3 : 1);
  const els: DicomElement[] = [
    { tag: [0x0008, 0x0016], v: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7' } },
    { tag: [0x0008, 0x0060], v: { vr: 'CS', value: 'OT' } },
    { tag: [0x0028, 0x0002], v: { vr: 'US', value: spp } },
    { tag: [0x0028, 0x0004], v: { vr: 'CS', value: opts.photometric } },
    { tag: [0x0028, 0x0010], v: { vr: 'US', value: opts.rows } },
    { tag: [0x0028, 0x0011], v: { vr: 'US', value: opts.columns } },
    { tag: [0x0028, 0x0100], v: { vr: 'US', value: opts.bitsAllocated } },
    { tag: [0x0028, 0x0101], v: { vr: 'US', value: opts.bitsStored ?? opts.bitsAllocated } },
    { tag: [0x0028, 0x0102], v: { vr: 'US', value: (opts.bitsStored ?? opts.bitsAllocated) - 1 } },
    { tag: [0x0028, 0x0103], v: { vr: 'US', value: opts.signed ? 1 : 0 } },
  ];
  if (spp === 3) els.push({ tag: [0x0028, 0x0006], v: { vr: 'US', value: opts.planarConfiguration ?? 0 } });
  if (opts.frames !== undefined) els.push({ tag: [0x0028, 0x0008], v: { vr: 'IS', value: String(opts.frames) } });
  if (opts.window) {
    els.push({ tag: [0x0028, 0x1050], v: { vr: 'DS', value: String(opts.window.center) } });
    els.push({ tag: [0x0028, 0x1051], v: { vr: 'DS', value: String(opts.window.width) } });
  }
  if (opts.intercept !== undefined) els.push({ tag: [0x0028, 0x1052], v: { vr: 'DS', value: String(opts.intercept) } });
  if (opts.slope !== undefined) els.push({ tag: [0x0028, 0x1053], v: { vr: 'DS', value: String(opts.slope) } });
  if (opts.pixels) {
    els.push({ tag: [0x7fe0, 0x0010], v: opts.bitsAllocated === 16 ? { vr: 'OW', value: opts.pixels as Uint16Array } : { vr: 'OB', value: opts.pixels as Uint8Array } });
  }
  return writeDicom(els, opts.ts ?? TS.explicitLE);
}
