import { randomUUID } from 'node:crypto';
import { HttpException, HttpStatus, Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { HUB_CONFIG, type HubConfig } from '@sanxian/contracts';
import { usernameProblem } from '@sanxian/domain';
import { SignInThrottleRepository, StaffRepository, StaffUser, hashPassword, verifyPassword } from '@sanxian/persistence';
import { invalidFields } from '../reconciliation/staff-request-validator';
import { HashGate } from './hash-gate';

const MAX_PASSWORD = 1024;

export class TooManySignIns extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super({ message: `too many failed sign-ins: try again in ${retryAfterSeconds} s`, retryAfterSeconds }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

export type SignInOutcome = { user: StaffUser; accessToken: string; expiresAt: Date } | { refused: true; username: string };

/**
 * Sign-in: the body checked, failures throttled by username and address (429 + Retry-After
 * before any hash is computed), the password checked with the same work whether the user
 * exists or not, at most a few hashes at once, and a token naming the user, their token
 * generation and a token id (what sign-out ends).
 */
@Injectable()
export class SignInService implements OnModuleInit {
  private readonly gate: HashGate;
  /** An unknown user's password is checked against this, so that the work and time are the same. */
  private dummyHash!: Promise<string>;

  constructor(
    private readonly staff: StaffRepository,
    private readonly throttle: SignInThrottleRepository,
    private readonly jwt: JwtService,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    this.gate = new HashGate(config.signIn.hashConcurrency, config.signIn.hashQueue);
  }

  onModuleInit(): void {
    this.dummyHash = hashPassword(randomUUID());
  }

  /** The body's username and password, or a 400 naming the field. */
  credentials(body: unknown): { username: string; password: string } {
    const b = body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body) ? (body as Record<string, unknown>) : undefined;
    if (!b) throw invalidFields([{ field: 'body', message: 'must be {"username": …, "password": …} (Content-Type: application/json)' }]);
    const issues = [];
    const { username, password } = b;
    if (typeof username !== 'string') issues.push({ field: 'username', message: 'must be a string' });
    else {
      const problem = usernameProblem(username);
      if (problem) issues.push({ field: 'username', message: problem });
    }
    if (typeof password !== 'string') issues.push({ field: 'password', message: 'must be a string' });
    else if (password.length === 0 || password.length > MAX_PASSWORD) issues.push({ field: 'password', message: `must have 1–${MAX_PASSWORD} characters` });
    if (issues.length) throw invalidFields(issues);
    return { username: username as string, password: password as string };
  }

  async signIn(username: string, password: string, address: string): Promise<SignInOutcome> {
    const wait = await this.throttle.retryAfter(username, address);
    if (wait > 0) throw new TooManySignIns(wait);
    const user = await this.staff.findCredentials(username);
    const hash = user?.passwordHash ?? (await this.dummyHash);
    const ok = await this.gate.run(() => verifyPassword(password, hash));
    if (!user || !ok || user.disabledAt) {
      await this.throttle.failed(username, address);
      return { refused: true, username };
    }
    await this.throttle.succeeded(username, address);
    const accessToken = await this.jwt.signAsync({ sub: user.id, gen: user.tokenGeneration }, { jwtid: randomUUID() });
    const { exp } = this.jwt.decode<{ exp: number }>(accessToken);
    return { user, accessToken, expiresAt: new Date(exp * 1000) };
  }
}
