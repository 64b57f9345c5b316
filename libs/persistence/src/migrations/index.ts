import { CreateExchangeLog1764331200000 } from './1764331200000-CreateExchangeLog';

/** Every migration, in order. New migrations are appended here. */
export const MIGRATIONS = [CreateExchangeLog1764331200000];
