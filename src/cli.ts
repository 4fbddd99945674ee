#!/usr/bin/env node
import { registerAuditCommands } from './cli/commands/audit.js';
import { registerKeysCommands } from './cli/commands/keys.js';
import { registerMigrateCommand } from './cli/commands/migrate.js';
import { registerPublishCommand } from './cli/commands/publish.js';
import { registerReplayCommands } from './cli/commands/replay.js';
import { registerServeCommand } from './cli/commands/serve.js';
import { registerSimulateCommand } from './cli/commands/simulate.js';
import { createProgram, runCli } from './cli/program.js';

// The `im-hub` command line. A command is a module in src/cli/commands that registers itself
// on the program; src/cli/program.ts says what every command keeps to (help, exit codes).
const program = createProgram();
registerServeCommand(program);
registerMigrateCommand(program);
registerPublishCommand(program);
registerSimulateCommand(program);
registerKeysCommands(program);
registerAuditCommands(program);
registerReplayCommands(program);
await runCli(program, process.argv);
