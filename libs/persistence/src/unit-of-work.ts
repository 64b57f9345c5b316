import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A transaction as repositories take it: their writes made with it commit together. */
export type Transaction = EntityManager;

/**
 * Where a use-case opens a transaction and hands it to the repositories it calls, so that what one
 * action writes (a status, a registry correction, receipts, an audit entry) commits whole or not at all.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly db: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }
}
