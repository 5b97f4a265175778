/**
 * @medslim/intake — the one model interface: how medslim reads any image classifier it is handed (input
 * name, element type, layout, batch, C/H/W; the class-score output and its kind; the preprocessing
 * contract; where each came from), and how every part of medslim feeds it and reads its scores.
 * The document's schema is `ModelInterfaceSchema` in @medslim/contracts.
 */
export { IntakeError, CONTRACT_FLAGS_HINT, type IntakeErrorCode } from './errors.ts';
export { readModelInterface, refusalForAnyDataset, identityContract, isIntegerInput, OUTPUT_METADATA_KEY, type StaticInterface, type ReadInterfaceOptions } from './read.ts';
export { modelFeeds, valueFeeds, toInputType, imageSize, type Feed, type FeedData, type FeedOptions } from './feeds.ts';
export { scoreImages, runFeed, canonicalScores, tensorValues, type ClassScores, type ScoreOptions } from './score.ts';
export { contractEvidence, candidateContracts, mcnemarExact, binomialUpperTail, EVIDENCE_RULE, EVIDENCE_MIN_MARGIN, EVIDENCE_ALPHA, EVIDENCE_MAX_IMAGES } from './evidence.ts';
export { resolveModelInterface, createSession, studentContract, interfaceMetadata, classNames, CONTRACT_SOURCE_METADATA_KEY, type ResolveOptions } from './resolve.ts';
