import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, problem } from '@sanxian/contracts';
import { ExchangeError } from '@sanxian/exchange';
import { isDatabaseUnavailable } from '@sanxian/persistence';

const DATABASE_RETRY_AFTER_SECONDS = '5';

const FASTIFY_CODES: Record<number, string> = { 400: 'invalid-body', 404: 'not-found', 413: 'body-too-large', 415: 'unsupported-media-type' };

/** Every error leaves as an RFC 9457 problem document; only unknown ones are 500 and logged. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemFilter.name);

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const instance = request.url;
    if (error instanceof ExchangeError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      this.send(reply, error.toProblem(instance));
      return;
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      const detail = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? error.message);
      // Keep what the body adds (e.g. readiness names the dependency that is down) as extensions.
      const { status: _s, statusCode: _c, message: _m, ...extensions } = typeof body === 'object' ? (body as Record<string, unknown>) : {};
      // A refusal that says when to come back (429, 503) says it in the header too.
      if (typeof extensions.retryAfterSeconds === 'number') reply.header('retry-after', String(extensions.retryAfterSeconds));
      this.send(reply, problem(status, FASTIFY_CODES[status] ?? `http-${status}`, error.name.replace(/Exception$/, ''), Array.isArray(detail) ? detail.join('; ') : detail, { ...extensions, instance }));
      return;
    }
    const fastifyError = error as { statusCode?: number; message?: string; code?: string };
    if (fastifyError?.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      this.send(reply, problem(status, FASTIFY_CODES[status] ?? `http-${status}`, fastifyError.code ?? 'Bad request', fastifyError.message, { instance }));
      return;
    }
    // Any request, not only intake: a database that is unreachable, frozen or too busy is worth a retry later.
    if (isDatabaseUnavailable(error)) {
      this.logger.warn(`database unavailable: ${(error as Error).message}`);
      reply.header('Retry-After', DATABASE_RETRY_AFTER_SECONDS);
      this.send(reply, new ExchangeError('storage-unavailable', 'the database did not answer in time; nothing of this request was stored').toProblem(instance));
      return;
    }
    this.logger.error(error instanceof Error ? error.stack : String(error));
    this.send(reply, problem(500, 'internal-error', 'Internal error', 'the error was logged; retrying later is safe', { instance }));
  }

  private send(reply: FastifyReply, body: ReturnType<typeof problem>): void {
    reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
  }
}
