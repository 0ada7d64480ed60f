// `npm run cli -- <command>`: the operator CLI (platforms and their keys, regulator users, history loads,
// gateway key rotation, audit verification and signed heads, backup and restore of the embedded database). Results are JSON on stdout; errors go to stderr
// as JSON {error: {code, status, detail}} (exit 1), usage and environment problems as text
// (exit 2). Secrets are never printed, except a generated regulator password, once.
import { ConfigError, loadConfig } from "./config.js";
import { parseArgs, UsageError } from "./cli/args.js";
import { toRequest, USAGE } from "./cli/commands.js";
import { CannotRun, CommandFailed, runCommand } from "./cli/run.js";
import { RunInterrupted } from "./cli/reclassify.js";
import { runHistoryCommand } from "./cli/history/command.js";
import { runBackupCommand, runRestoreCommand } from "./cli/backup.js";

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === "help" || argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return argv.length === 0 ? 2 : 0;
  }
  const config = loadConfig();
  if (argv[0] === "history") {
    // A conversation of many requests (one per chunk), not one request: it runs on its own.
    const { summary, exitCode } = await runHistoryCommand(config, parseArgs(argv));
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return exitCode;
  }
  if (argv[0] === "backup" || argv[0] === "restore") {
    // A file out of, or into, a data directory: not a command a gateway runs for us.
    const args = parseArgs(argv);
    if (args.words.length !== 1) throw new UsageError(`unknown command "${args.words.join(" ")}"`);
    const { summary, exitCode } = argv[0] === "backup" ? await runBackupCommand(config, args) : await runRestoreCommand(args);
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return exitCode;
  }
  const request = await toRequest(parseArgs(argv));
  const { result, via } = await runCommand(config, request);
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  if ((request.command === "regulator.add" || request.command === "regulator.reset-password") && (result as { password?: unknown }).password !== undefined) {
    console.error("The generated password is shown once: store it now.");
  }
  if (via === "socket") console.error("(run by the gateway that holds the data directory, through its admin socket)");
  if ((request.command === "audit.verify" || request.command === "audit.verify-head") && (result as { ok?: boolean }).ok === false) return 1;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof ConfigError || err instanceof CannotRun) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof RunInterrupted) {
      process.stdout.write(JSON.stringify(err.run, null, 2) + "\n");
      console.error(err.message);
      process.exit(130);
    }
    if (err instanceof CommandFailed) {
      console.error(JSON.stringify({ error: err.failure }));
      process.exit(1);
    }
    console.error(err);
    process.exit(1);
  },
);
