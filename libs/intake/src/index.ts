// The hub's side of the exchange: client authentication, intake (in threads), processing into facts, the relay
// of stranded messages, and their metrics, wired by IntakeModule.
export * from './bulk-load.service';
export * from './client-auth.service';
export * from './exchange-metrics';
export * from './intake.module';
export * from './intake-preparer';
export * from './intake.service';
export * from './request-preparation';
export * from './processing.service';
export * from './relay.service';
