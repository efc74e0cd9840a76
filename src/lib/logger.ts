/**
 * The logger type code outside http/ takes: the logging methods of pino, which Fastify's request and app
 * loggers are too. Keeps the framework out of the layers below the edge.
 */
import type { BaseLogger } from 'pino';

export type Logger = Pick<BaseLogger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>;
