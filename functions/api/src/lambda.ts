/** AWS Lambda entry point: the API app behind `hono/aws-lambda`, configured from MEDSLIM_* variables (config.ts). */
import { handle } from 'hono/aws-lambda';
import { configFromEnv, createApp } from './app.ts';

export const handler = handle(createApp(configFromEnv()));
