/**
 * The model interface: how medslim reads an image classifier — which input it feeds (name, element type,
 * layout, batch, C/H/W), which output holds the class scores and what kind of scores they are, the
 * preprocessing contract that turns stored pixels into the input, and where each of those came from.
 *
 * One document, used by the pipeline (quantize, distill, compress: calibration, teacher logits, evaluation,
 * ECE, gate), serving, the CLI and the API. `@medslim/intake` reads and resolves it.
 */
import { z } from 'zod';

/** Tensor layout of the image input: channels first (PyTorch) or channels last (Keras/TF). */
export const LayoutSchema = z.enum(['NCHW', 'NHWC']);
export type Layout = z.infer<typeof LayoutSchema>;

/**
 * The preprocessing contract: for pixel p (0–255) in channel c, `value = ((p × scale) − mean[c]) / std[c]`,
 * laid out as `layout`. Stored in ONNX metadata under `medslim.preprocess`. An integer model input takes raw
 * pixels: its contract is the identity (scale 1, mean 0, std 1).
 */
export const InputContractSchema = z
  .object({
    layout: LayoutSchema,
    scale: z.number().positive().finite(),
    mean: z.array(z.number().finite()).min(1),
    std: z.array(z.number().positive().finite()).min(1),
  })
  .strict();
export type InputContract = z.infer<typeof InputContractSchema>;

/**
 * What the class-score output holds: `logits` (any real scores; softmax gives probabilities),
 * `probabilities` (rows ≥ 0 summing to 1, e.g. a trailing Softmax — never softmaxed again) or
 * `log-probabilities` (a trailing LogSoftmax).
 */
export const OutputKindSchema = z.enum(['logits', 'probabilities', 'log-probabilities']);
export type OutputKind = z.infer<typeof OutputKindSchema>;

/** Element types medslim feeds or reads (ONNX names as in @medslim/onnx). */
export const TensorTypeSchema = z.enum(['float32', 'float16', 'float64', 'uint8', 'int32', 'int64']);
export type TensorType = z.infer<typeof TensorTypeSchema>;

/**
 * Where a part of the interface came from, in the order of precedence: `explicit` (CLI flags, `--contract`
 * file, a job spec's `contract`), `metadata` (the model's `medslim.*` metadata_props), `graph` (the model's
 * own graph: shapes, element types, its last op), `evidence` (the teacher measured on the validation split
 * under each candidate contract), `none` (absent: classes are then named by index).
 */
export const InterfaceSourceSchema = z.enum(['explicit', 'metadata', 'graph', 'evidence', 'none']);
export type InterfaceSource = z.infer<typeof InterfaceSourceSchema>;

/** One candidate contract measured by the evidence rule. */
export const EvidenceCandidateSchema = z.object({
  /** e.g. 'raw 0–255', 'x/255', '(x/255 − 0.5)/0.5', 'ImageNet mean/std', 'dataset mean/std'. */
  name: z.string(),
  contract: InputContractSchema,
  /** Correct top-1 predictions on the validation images, and their fraction. */
  correct: z.number().int().min(0),
  accuracy: z.number().min(0).max(1),
});

/** The evidence table: the teacher on the validation split under each candidate, and the decision. */
export const ContractEvidenceSchema = z.object({
  split: z.literal('val'),
  images: z.number().int().min(1),
  /** Fraction of the most frequent class among those images (the accuracy of always answering it). */
  majorityRate: z.number().min(0).max(1),
  candidates: z.array(EvidenceCandidateSchema),
  /** Name of the adopted candidate, or null when the rule refused. */
  adopted: z.string().nullable(),
  /** Best − runner-up accuracy, and the exact two-sided McNemar p-value on their discordant images. */
  marginOverRunnerUp: z.number(),
  pValueVsRunnerUp: z.number().min(0).max(1),
  /** Best accuracy − majority rate, and the exact one-sided binomial p-value of the best's correct count under the majority rate. */
  marginOverMajority: z.number(),
  pValueVsMajority: z.number().min(0).max(1),
  /** The rule, in words (also in the README). */
  rule: z.string(),
  /** Why the rule refused (null when a candidate was adopted). */
  refusal: z.string().nullable(),
});
export type ContractEvidence = z.infer<typeof ContractEvidenceSchema>;

/**
 * The explicit part, as given by CLI flags (`--layout --scale --mean --std --labels --output`), a
 * `--contract file.json`, or an API job spec's `contract` object. Every field is optional; what is given
 * wins over metadata and graph. A normalisation given explicitly needs `scale`; `mean` defaults to [0] and
 * `std` to [1] then.
 */
export const ExplicitContractSchema = z
  .object({
    layout: LayoutSchema.optional(),
    scale: z.number().positive().finite().optional(),
    mean: z.array(z.number().finite()).min(1).max(4).optional(),
    std: z.array(z.number().positive().finite()).min(1).max(4).optional(),
    labels: z.array(z.string().min(1).max(200)).min(2).max(10_000).optional(),
    /** Name of the class-score output (models with several outputs). */
    output: z.string().min(1).max(1000).optional(),
  })
  .strict();
export type ExplicitContract = z.infer<typeof ExplicitContractSchema>;

/** The resolved interface of one model. */
export const ModelInterfaceSchema = z.object({
  input: z.object({
    name: z.string(),
    dtype: TensorTypeSchema,
    layout: LayoutSchema,
    /** Fixed batch size (e.g. 1 for a default `torch.onnx.export`), or null when the batch axis is dynamic. */
    batch: z.number().int().positive().nullable(),
    channels: z.number().int().positive(),
    /** Fixed height and width, or null when dynamic (then the dataset's size is used). */
    height: z.number().int().positive().nullable(),
    width: z.number().int().positive().nullable(),
  }),
  output: z.object({
    name: z.string(),
    /** Position among the graph's outputs. */
    index: z.number().int().min(0),
    dtype: TensorTypeSchema,
    kind: OutputKindSchema,
    /** K, or null when the graph leaves it dynamic (checked on the first run). */
    numClasses: z.number().int().min(2).nullable(),
    labels: z.array(z.string()).nullable(),
  }),
  contract: InputContractSchema,
  sources: z.object({
    layout: InterfaceSourceSchema,
    contract: InterfaceSourceSchema,
    output: InterfaceSourceSchema,
    kind: InterfaceSourceSchema,
    labels: InterfaceSourceSchema,
  }),
  evidence: ContractEvidenceSchema.nullable(),
});
export type ModelInterface = z.infer<typeof ModelInterfaceSchema>;
