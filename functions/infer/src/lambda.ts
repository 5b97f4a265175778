/** AWS Lambda entry point: the inference app behind `hono/aws-lambda`; the model loaded at cold start stays warm across invocations. */
import { handle } from 'hono/aws-lambda';
import { createInferApp, fromEnv } from '@medslim/infer';

export const handler = handle(createInferApp(fromEnv()));
