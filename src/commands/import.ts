// `zform import zrepl FILE...`: converts zrepl configs (one per host: push+sink, pull+source, snap, local) into
// the equivalent zform config, with a NOT CARRIED OVER comment line per setting zform cannot express.
import type { Argv, CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from './common.js';
import type { ZreplFile } from '../zrepl/converter.js';
import { ConfigError, ExitCode, UsageError, ZformError, formatConfigIssue } from '../errors.js';

interface Args extends GlobalArgs {
  files?: string[];
  out?: string;
}

/** A zrepl config is a few KiB: more than this is not one (e.g. /dev/zero, a disk image named by mistake). */
export const ZREPL_FILE_MAX_BYTES = 16 * 1024 * 1024;

/** Reads a zrepl config, a regular file or a pipe (`<(ssh host cat /etc/zrepl/zrepl.yml)`), up to
 *  ZREPL_FILE_MAX_BYTES: a larger file or an endless device is a usage error after that much, not 512 MB read. */
async function readZreplFile(file: string): Promise<ZreplFile> {
  // node:fs/promises only when the command runs: this module loads at every run (src/read-file.ts)
  const { open } = await import('node:fs/promises');
  const { readAtMost } = await import('../fsafe.js');
  try {
    const fh = await open(file, 'r');
    try {
      const bytes = await readAtMost(fh, ZREPL_FILE_MAX_BYTES);
      if (bytes === null) throw new UsageError(`cannot read ${file}: larger than ${ZREPL_FILE_MAX_BYTES / 1024 / 1024} MiB, not a zrepl config`);
      return { file, text: bytes.toString('utf8') };
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : (err as Error).message;
    throw new UsageError(`cannot read ${file}: ${why}`);
  }
}

function zreplCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'zrepl [files..]',
    describe: 'Convert zrepl configs (give both hosts\' files for push+sink or pull+source) into a zform config',
    builder: (y) => y
      .positional('files', { type: 'string', array: true, description: 'zrepl.yml files (at least one): the active job\'s host and the passive job\'s host' })
      .option('out', { type: 'string', requiresArg: true, description: 'Write the zform config to FILE (never over an existing file) instead of standard output' })
      .example('$0 import zrepl /etc/zrepl/zrepl.yml backup-host-zrepl.yml --out /etc/zform/zform.yml', 'A push job and the sink it pushes to')
      .example('$0 import zrepl zrepl.yml | grep "NOT CARRIED OVER"', 'What cannot be carried over, one line per setting'),
    handler: async (args) => {
      const { computeZreplConversion } = await import('../zrepl/convert.js');
      const { parseConfig } = await import('../config/parse.js');
      const { io } = ctx;
      if (!args.files?.length) throw new UsageError('name the zrepl config files to convert: zform import zrepl FILE...');
      const files = await Promise.all(args.files.map(readZreplFile));
      const conversion = computeZreplConversion(files);
      // the converted config must be one zform accepts: check it as validate would
      try {
        parseConfig(conversion.yaml, args.out ?? '(converted config)');
      } catch (err) {
        if (err instanceof ConfigError) {
          throw new ZformError('config', `the converted config is not valid: ${formatConfigIssue(err.issues[0]!)}`, { details: err.issues.slice(1).map(formatConfigIssue) });
        }
        throw err;
      }
      if (args.out) {
        const { writeFile } = await import('node:fs/promises');
        try {
          await writeFile(args.out, conversion.yaml, { flag: 'wx', mode: 0o644 });
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EEXIST') throw new UsageError(`--out ${args.out}: the file exists (zform import never overwrites one)`);
          throw new UsageError(`--out ${args.out}: ${code === 'ENOENT' ? 'no such folder' : (err as Error).message}`);
        }
      } else {
        io.stdout.write(conversion.yaml);
      }
      const n = conversion.notes.length;
      io.stderr.write(`Converted ${conversion.jobs.length} job${conversion.jobs.length === 1 ? '' : 's'} (${conversion.jobs.join(', ')})${args.out ? ` into ${args.out}` : ''}; `
        + `${n === 0 ? 'every setting was carried over' : `${n} setting${n === 1 ? '' : 's'} not carried over (the # NOT CARRIED OVER lines)`}. Next: zform validate, zform plan.\n`);
      ctx.exitCode = ExitCode.ok;
    },
  };
}

export function importCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'import',
    describe: "Convert another tool's configuration into a zform config (zrepl)",
    builder: (y: Argv<GlobalArgs>) => y
      .command(zreplCommand(ctx))
      .demandCommand(1, 'Name the tool to import from: zrepl')
      .example('$0 import zrepl /etc/zrepl/zrepl.yml', 'Print the zform config equivalent to a zrepl config'),
    handler: () => undefined,
  };
}
