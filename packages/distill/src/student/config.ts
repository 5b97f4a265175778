import { DistillError } from '../errors.ts';

/** One inverted-residual block (Sandler et al. 2018, MobileNetV2): 1×1 expand → 3×3 depthwise → 1×1 linear project. */
export interface BlockConfig {
  /** Input channels. */
  in: number;
  /** Output channels. */
  out: number;
  /** Depthwise stride (1 or 2). */
  stride: 1 | 2;
  /** Expansion ratio t; hidden = in × t unless `hidden` is set (pruning sets it). With t = 1 there is no expand conv. */
  expand: number;
  /** Hidden (expansion) channels, after pruning; default in × expand. */
  hidden?: number;
}

/**
 * A MobileNetV2-family student: stem 3×3 conv (stride 1 for 28×28 inputs, as MedMNIST's ResNets do) → blocks →
 * 1×1 head conv → global average pool → fully connected to K logits. BatchNorm after every conv, ReLU6 after all
 * but the projection. Input NHWC [N, H, W, C] in tfjs, NCHW [N, C, H, W] once exported to ONNX.
 */
export interface StudentConfig {
  inputChannels: number;
  numClasses: number;
  /** Input height = width in pixels. */
  resolution: number;
  stem: number;
  blocks: BlockConfig[];
  head: number;
  /** Width multiplier the channel counts were scaled by (for the record). */
  width: number;
}

/**
 * The reference 28×28 student (86.7 k parameters with one input channel and K = 2): stem 16; blocks (in, out,
 * stride, t) = (16,8,1,1), (8,16,2,6), (16,16,1,6), (16,24,2,6), (24,24,1,6), (24,32,1,6), (32,48,2,6), (48,48,1,6);
 * head 128 — the student of shared/fixtures/PROVENANCE.md, whose PyTorch figures we test against.
 */
export function referenceStudent(inputChannels: number, numClasses: number, resolution = 28): StudentConfig {
  const spec: [number, number, 1 | 2, number][] = [[16, 8, 1, 1], [8, 16, 2, 6], [16, 16, 1, 6], [16, 24, 2, 6], [24, 24, 1, 6], [24, 32, 1, 6], [32, 48, 2, 6], [48, 48, 1, 6]];
  return validateStudent({
    inputChannels, numClasses, resolution, stem: 16, head: 128, width: 1,
    blocks: spec.map(([i, o, s, t]) => ({ in: i, out: o, stride: s, expand: t })),
  });
}

/** Rounds channels × width to a multiple of 4 (at least 4), as MobileNetV2's `_make_divisible` does with 8. */
function scale(c: number, width: number): number {
  return Math.max(4, Math.round((c * width) / 4) * 4);
}

/**
 * Scales every channel count of `base` by the width multiplier (MobileNetV2 §3.3: "width multiplier").
 * The head keeps at least its base size when width < 1, as MobileNetV2 does for its last conv.
 */
export function withWidth(base: StudentConfig, width: number): StudentConfig {
  if (!(width > 0 && width <= 4)) throw new DistillError('BAD_CONFIG', `width multiplier must be in (0, 4]; got ${width}`);
  const ch = (c: number) => scale(c, width);
  return validateStudent({
    ...base,
    width,
    stem: ch(base.stem),
    head: width < 1 ? base.head : ch(base.head),
    blocks: base.blocks.map((b) => ({ in: ch(b.in), out: ch(b.out), stride: b.stride, expand: b.expand })),
  });
}

/** Hidden channels of a block. */
export function hiddenChannels(b: BlockConfig): number {
  return b.hidden ?? b.in * b.expand;
}

/** Whether a block has a residual add (stride 1 and in = out). */
export function hasResidual(b: BlockConfig): boolean {
  return b.stride === 1 && b.in === b.out;
}

/** Whether a block has the 1×1 expand conv (expansion ratio ≠ 1). */
export function hasExpand(b: BlockConfig): boolean {
  return b.expand !== 1;
}

/** Checks that channels chain and sizes are sane. @throws DistillError BAD_CONFIG naming the field. */
export function validateStudent(c: StudentConfig): StudentConfig {
  const bad = (m: string) => { throw new DistillError('BAD_CONFIG', m); };
  if (c.inputChannels !== 1 && c.inputChannels !== 3) bad(`inputChannels must be 1 or 3; got ${c.inputChannels}`);
  if (!Number.isInteger(c.numClasses) || c.numClasses < 2) bad(`numClasses must be an integer ≥ 2; got ${c.numClasses}`);
  if (!Number.isInteger(c.resolution) || c.resolution < 8) bad(`resolution must be an integer ≥ 8; got ${c.resolution}`);
  if (c.blocks.length === 0) bad('a student needs at least one block');
  let prev = c.stem;
  let size = c.resolution;
  c.blocks.forEach((b, i) => {
    if (b.in !== prev) bad(`block ${i} takes ${b.in} channels but the previous layer gives ${prev}`);
    if (b.stride !== 1 && b.stride !== 2) bad(`block ${i} stride must be 1 or 2; got ${b.stride}`);
    if (!(b.expand >= 1)) bad(`block ${i} expansion ratio must be ≥ 1; got ${b.expand}`);
    const h = hiddenChannels(b);
    if (!Number.isInteger(h) || h < 1) bad(`block ${i} has ${h} hidden channels; pruning must keep at least one`);
    if (!hasExpand(b) && h !== b.in) bad(`block ${i} has no expand conv, so its hidden channels must equal its input (${b.in}); got ${h}`);
    size = Math.ceil(size / b.stride);
    prev = b.out;
  });
  if (size < 1) bad(`the resolution ${c.resolution} is too small for ${c.blocks.filter((b) => b.stride === 2).length} stride-2 blocks`);
  return c;
}
