import { Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { kindForPath } from '@sanxian/contracts';
import { ExchangeError } from '@sanxian/exchange';
import { BulkLoadService, ExchangeMetrics, IntakeResponse, IntakeService, LoadCompletion, SignedRequest } from '@sanxian/intake';
import { MessageLogRepository, ReceiptRepository, VerificationRepository, isDatabaseUnavailable, type VerificationListState, type VerificationRequestRow } from '@sanxian/persistence';
import { VerificationAnswerValidator, VerificationWorkflow } from '@sanxian/verification';

const REQUEST_STATES: readonly VerificationListState[] = ['open', 'overdue', 'answered', 'all'];

/** A request as its agency reads it (schemas/exchange/verification/verification-request-list.schema.json). */
function agencyView(r: VerificationRequestRow) {
  return {
    requestId: r.id, cursor: r.cursor, state: r.state, discrepancyId: r.discrepancyId, messageId: r.messageId, recordId: r.recordId, kind: r.kind,
    question: r.question, crossCounty: r.crossCounty, requestedOn: r.requestedOn, dueAt: r.dueAt, answer: r.answer,
  };
}

/** `after` and `limit` of a paged exchange read, or a 400 naming the one that is wrong. */
function pageParams(after: string | undefined, limit: string | undefined): { cursor: string; size: number } {
  const cursor = after ?? '0';
  if (!/^\d{1,18}$/.test(cursor)) throw new ExchangeError('invalid-body', 'after must be a cursor returned by this endpoint');
  const size = limit === undefined ? 100 : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > 1000) throw new ExchangeError('invalid-body', 'limit must be an integer from 1 to 1000');
  return { cursor, size };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function signed(req: FastifyRequest): SignedRequest {
  return { method: req.method, pathWithQuery: req.url, headers: req.headers, body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0) };
}

@ApiTags('exchange')
@ApiHeader({ name: 'X-Hub-Client', required: true, description: 'client id' })
@ApiHeader({ name: 'X-Hub-Timestamp', required: true, description: 'RFC 3339 UTC, within 300 s of the hub clock' })
@ApiHeader({ name: 'X-Hub-Nonce', required: true, description: '16–64 of [A-Za-z0-9_-], never reused within 600 s' })
@ApiHeader({ name: 'X-Hub-Signature', required: true, description: 'v1=hex(HMAC-SHA256(secret, METHOD\\nPATH\\nTIMESTAMP\\nNONCE\\nSHA256HEX(BODY)))' })
@Controller('v1/exchange')
export class ExchangeController {
  constructor(
    private readonly intake: IntakeService,
    private readonly messages: MessageLogRepository,
    private readonly receipts: ReceiptRepository,
    private readonly metrics: ExchangeMetrics,
    private readonly verification: VerificationWorkflow,
    private readonly requests: VerificationRepository,
    private readonly answers: VerificationAnswerValidator,
    private readonly bulkLoads: BulkLoadService,
  ) {}

  @Get('messages/:messageId')
  @ApiOperation({ summary: "One of the sending client's messages: state and outcome" })
  async message(@Req() req: FastifyRequest, @Param('messageId') messageId: string) {
    const client = await this.intake.authenticate(signed(req));
    const message = UUID.test(messageId) ? await this.messages.findForClient(client.id, messageId) : undefined;
    if (!message) throw new ExchangeError('not-found', `no message ${messageId} from this client`);
    return {
      messageId: message.id, recordId: message.recordId, kind: message.kind, batchId: message.batchId, state: message.state,
      receivedAt: message.receivedAt, processedAt: message.processedAt, error: message.error, warnings: message.warnings ?? [],
      chain: { seq: message.chainSeq, hash: message.rowHash },
    };
  }

  @Get('receipts')
  @ApiOperation({ summary: "Outcomes of the sending client's messages, oldest first, after a cursor" })
  async receiptList(@Req() req: FastifyRequest, @Query('after') after?: string, @Query('limit') limit?: string) {
    const client = await this.intake.authenticate(signed(req));
    const { cursor, size } = pageParams(after, limit);
    const items = await this.receipts.listForClient(client.id, cursor, size);
    return { items, nextCursor: items.length ? items[items.length - 1].cursor : cursor };
  }

  @Get('verification-requests')
  @ApiOperation({ summary: 'Verification requests (协查) addressed to the sending client, oldest first, after a cursor' })
  @ApiQuery({ name: 'status', required: false, enum: REQUEST_STATES, description: 'default open: not answered (overdue included)' })
  @ApiQuery({ name: 'after', required: false, description: 'nextCursor of the previous page; default 0' })
  @ApiQuery({ name: 'limit', required: false, description: '1–1,000, default 100' })
  async verificationRequests(@Req() req: FastifyRequest, @Query('status') status?: string, @Query('after') after?: string, @Query('limit') limit?: string) {
    const client = await this.intake.authenticate(signed(req));
    const state = status ?? 'open';
    if (!(REQUEST_STATES as readonly string[]).includes(state)) throw new ExchangeError('invalid-body', `status must be one of: ${REQUEST_STATES.join(', ')}`);
    const { cursor, size } = pageParams(after, limit);
    // open, as agencies read it: every request still waiting for their answer, overdue or not.
    const rows = await this.requests.listForClient(client.id, state === 'open' ? 'unanswered' : (state as VerificationListState), cursor, size);
    return { items: rows.map(agencyView), nextCursor: rows.length ? rows[rows.length - 1].cursor : cursor };
  }

  @Post('verification-requests/:requestId/answer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Answer a verification request: {"answer":"corrected","record":{…}} or {"answer":"confirmed","comment":"…"}; the first answer stands' })
  @ApiResponse({ status: 200, description: 'the request with its answer; `duplicate: true` when it was answered before (nothing changed)' })
  @ApiResponse({ status: 400, description: 'invalid-answer: the body or the corrected record is not valid; `errors` name each path' })
  @ApiResponse({ status: 404, description: 'no such request addressed to this client' })
  async answer(@Req() req: FastifyRequest, @Param('requestId') requestId: string) {
    const request = signed(req);
    const client = await this.intake.authenticate(request);
    if (!UUID.test(requestId)) throw new ExchangeError('not-found', `no verification request ${requestId} for this client`);
    const checked = this.answers.check(request.body);
    if (!checked.ok) throw new ExchangeError('invalid-answer', checked.errors.map((e) => `${e.path || 'body'}: ${e.message}`).join('; '), {}, { errors: checked.errors });
    const result = await this.verification.answer(client, requestId.toLowerCase(), checked.body);
    switch (result.outcome) {
      case 'not-found':
        throw new ExchangeError('not-found', `no verification request ${requestId} for this client`);
      case 'record-rejected':
        throw new ExchangeError('invalid-answer', `the corrected record was rejected: ${result.errors.map((e) => `${e.path}: ${e.code}`).join('; ')}`, {}, { errors: result.errors });
      case 'record-unchanged':
        throw new ExchangeError('invalid-answer', `record: this is the record first sent (message ${result.messageId}); a correction is a new record with a new recordId`, {}, {
          errors: [{ path: '/record', code: 'record-unchanged', message: 'the record as first sent is not a correction' }],
        });
      case 'answered':
        return { ...agencyView(result.request), duplicate: result.duplicate };
    }
  }

  @Post('loads/complete')
  @HttpCode(200)
  @ApiOperation({ summary: "Declare the sending client's bulk load (its deliveries sent with ?load=initial|history) complete, so that reconciliation need not wait for its quiet time" })
  @ApiResponse({ status: 200, description: '{completed: true, load} when an open load was ended; {completed: false, load: the last ended or null} when none was open (a repeated call changes nothing)' })
  @ApiResponse({ status: 400, description: 'the body is neither empty nor a JSON object of schemas/exchange/requests/load-completion.schema.json: a problem document naming the field' })
  async completeLoad(@Req() req: FastifyRequest): Promise<LoadCompletion> {
    const request = signed(req);
    const client = await this.intake.authenticate(request);
    return this.bulkLoads.complete(client.id, request.body);
  }

  @Post(':kindPath')
  @HttpCode(202)
  @ApiOperation({ summary: 'Deliver records: JSON {"records": [...]} (1–1,000), NDJSON or CSV (up to 100,000)' })
  @ApiResponse({ status: 202, description: 'every accepted record is committed; per-record results (a record breaking the plain-text rule or nested too deep is rejected alone, with its path and code)' })
  @ApiQuery({
    name: 'load', required: false, enum: ['initial', 'history'],
    description: "what the delivery is, signed with the path: the family-planning registry's initial load (registry-cards only) or a history import of past events; neither is ever counted late. Absent: the regular flow",
  })
  @ApiResponse({ status: 400, description: 'the body is not a batch, or exceeds a limit (nesting-too-deep, too-many-fields, invalid-csv); or invalid-load: another value, or load=initial for a kind other than registry-cards: a problem document naming it' })
  @ApiResponse({ status: 422, description: 'the body could not be processed (body-unprocessable); nothing was stored' })
  @ApiResponse({ status: 503, description: 'the database or the intake threads could not take the request in time; nothing was stored; send again after Retry-After' })
  async push(@Req() req: FastifyRequest, @Param('kindPath') kindPath: string): Promise<IntakeResponse> {
    const kind = kindForPath(kindPath);
    if (!kind) throw new ExchangeError('not-found', `no endpoint /v1/exchange/${kindPath}`);
    const done = this.metrics.requests.startTimer({ kind });
    try {
      const response = await this.intake.intake(kind, signed(req));
      done({ status: '202' });
      return response;
    } catch (error) {
      done({ status: String((error as { status?: number }).status ?? (isDatabaseUnavailable(error) ? 503 : 500)) });
      throw error;
    }
  }
}
