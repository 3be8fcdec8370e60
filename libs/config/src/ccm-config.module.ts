import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { CcmConfig } from './ccm-config';
import { Env, loadCcmConfig } from './load-ccm-config';

export interface CcmConfigModuleOptions {
  /** The environment to read; defaults to `process.env`. Tests pass their own. */
  env?: Env;
  /** An already-built configuration (wins over `env`). */
  config?: CcmConfig;
}

/**
 * Provides the one typed `CcmConfig` object, globally. Validation happens in `forRoot`, i.e. before
 * any other module is instantiated, so an invalid environment never half-starts the app.
 */
@Module({})
export class CcmConfigModule {
  static forRoot(options: CcmConfigModuleOptions = {}): DynamicModule {
    const config = options.config ?? loadCcmConfig(options.env ?? process.env);
    return {
      module: CcmConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ccm: config })] })],
      providers: [{ provide: CcmConfig, useValue: config }],
      exports: [CcmConfig],
    };
  }
}
