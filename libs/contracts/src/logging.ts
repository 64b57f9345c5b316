import { ConsoleLogger, type LogLevel } from '@nestjs/common';

/** LOG_LEVEL's names (pino's, which Fastify's request log uses) in Nest's terms, most severe first. */
const NEST_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const PINO_RANK: Record<string, number> = { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5, silent: -1 };

/** The levels Nest should print for a LOG_LEVEL: that level and every more severe one. */
export function nestLogLevels(level: string): LogLevel[] {
  return NEST_LEVELS.slice(0, (PINO_RANK[level] ?? PINO_RANK.info) + 1);
}

/**
 * The processes' application log: Nest's own logger writing one JSON object per line, as Fastify's
 * request log (pino) does, so that both can be read by the same tools.
 */
export function hubLogger(level: string): ConsoleLogger {
  return new ConsoleLogger({ json: true, logLevels: nestLogLevels(level) });
}
