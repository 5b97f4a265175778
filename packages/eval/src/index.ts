/**
 * @medslim/eval — classifier evaluation: metrics with bootstrap CIs, batched
 * ONNX inference, and latency benchmarks. Shapes are row-major; see each
 * function's docstring for layouts, units, errors and references.
 */

/** Error thrown on bad input; `code` says which kind (see EvalErrorCode). */
export { EvalError, type EvalErrorCode } from './errors.ts';
/** Row-wise stable softmax / argmax over `[N,K]` Float32Array. */
export { softmax, argmax, logOdds } from './softmax.ts';
/** Top-1 accuracy vs labels, and top-1 agreement between two models. */
export { accuracy, agreement } from './accuracy.ts';
/** K×K confusion matrix (rows = true) and per-class one-vs-rest sensitivity/specificity. */
export { confusionMatrix, perClassRates, type ClassRates } from './confusion.ts';
/** ROC AUC by Mann–Whitney U (binary; macro one-vs-rest for K > 2); rocAucFromLogits ranks by float64 log-odds. */
export { rocAuc, rocAucFromLogits } from './auc.ts';
/** Expected calibration error, Guo et al. 2017 (15 equal-width bins by default); temperature scaling and decision offsets (match a reference's predicted-class rates) fitted on held-out data. */
export { expectedCalibrationError, fitTemperature, fitDecisionOffsets } from './calibration.ts';
/** Seeded percentile-bootstrap CIs for one statistic or several on shared resamples. */
export { bootstrapCi, bootstrapCis, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.ts';
/** Spearman's rank correlation (ties get average ranks) and the average ranks themselves. */
export { spearman, averageRanks } from './correlation.ts';
/** Linear-interpolation percentile of sorted values (NumPy default). */
export { percentile } from './percentile.ts';
/** Batched onnxruntime inference of NCHW images → `[N,K]` logits. */
export { runLogits, type ImageBatch, type LogitsResult, type RunLogitsOptions } from './classify.ts';
/** All test metrics + bootstrap 95% CIs from logits and labels (report.json `test`). */
export { evaluateClassifier, type EvaluateOptions, type TestMetrics } from './evaluate.ts';
/** Batch-1 latency percentiles (ms) and batched throughput (images/s) on CPU. */
export { benchmarkLatency, type LatencyOptions, type LatencyResult } from './latency.ts';
