/** AWS Lambda entry point: the API app behind `hono/aws-lambda`, configured from MEDSLIM_* variables (config.ts). */
import { handle } from 'hono/aws-lambda';
import { configFromEnv, createApp } from '@medslim/api';

export const handler = handle(createApp(configFromEnv()));
