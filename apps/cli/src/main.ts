import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '@sanxian/contracts';
import { UsageError, registerAdminCommands } from './admin.commands';
import { registerPushCommand } from './push.command';
import { registerAssessmentCommands } from './assessment.command';
import { registerDemoCommand } from './demo.command';
import { registerReconcileCommand } from './reconcile.command';
import { registerSynthCommand } from './synth.command';
import { registerUsersCommand } from './users.command';
import { registerInspectionCommands } from './inspection.commands';

const program = new Command()
  .name('sanxian')
  .description('Sanxian Hub: cross-agency data exchange for county population & family-planning bureaus')
  .showHelpAfterError();
registerAdminCommands(program);
registerPushCommand(program);
registerAssessmentCommands(program);
registerDemoCommand(program);
registerReconcileCommand(program);
registerSynthCommand(program);
registerUsersCommand(program);
registerInspectionCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    console.error(`sanxian: ${error.message}`);
    process.exit(2);
  }
  console.error(`sanxian: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
