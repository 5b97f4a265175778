/** AWS Lambda entry point: the inference app behind `hono/aws-lambda`; the model loaded at cold start stays warm across invocations. */
import { handle } from 'hono/aws-lambda';
import { createInferApp, fromEnv } from '@medslim/infer';

/** The app (its `inference.ready` settles when the cold start's MEDSLIM_INFER_PRELOAD versions are loaded). */
export const app = createInferApp(fromEnv());
export const handler = handle(app);
