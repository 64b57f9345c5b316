import { Module } from '@nestjs/common';
import { SigningKeys } from './signing-keys.service';

/** Inspectors' signing keys (api, cli); needs the global persistence and config modules. */
@Module({ providers: [SigningKeys], exports: [SigningKeys] })
export class SigningKeysModule {}
