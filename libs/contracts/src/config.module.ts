import { DynamicModule, Global, Module } from '@nestjs/common';
import { HubConfig } from './config';

export const HUB_CONFIG = Symbol('HUB_CONFIG');

/** Provides the configuration that main() validated once; nothing else reads process.env. */
@Global()
@Module({})
export class HubConfigModule {
  static forRoot(config: HubConfig): DynamicModule {
    return { module: HubConfigModule, providers: [{ provide: HUB_CONFIG, useValue: config }], exports: [HUB_CONFIG] };
  }
}
