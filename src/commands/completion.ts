// `zform completion [bash|zsh]`: prints a shell completion script. The script asks zform itself what fits
// at the cursor (yargs answers `zform --get-yargs-completions WORDS...`), so it never goes out of date.
import type { CommandModule } from 'yargs';
import type { CommandContext, GlobalArgs } from './common.js';
import { EXIT_HELP } from './exit-help.js';

export type Shell = 'bash' | 'zsh';
export const SHELLS: readonly Shell[] = ['bash', 'zsh'];

/** The key yargs answers completions on (yargs' default). */
export const COMPLETION_KEY = 'get-yargs-completions';

interface Args extends GlobalArgs { shell?: Shell }

export function renderCompletionScript(shell: Shell): string {
  if (shell === 'bash') {
    return `# zform completion for bash. Install: zform completion bash > /etc/bash_completion.d/zform
# (or add "source <(zform completion bash)" to ~/.bashrc)
_zform_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(compgen -W "$(zform --${COMPLETION_KEY} "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null)" -- "\${COMP_WORDS[COMP_CWORD]}"))
}
# -o default: file names where zform offers nothing (-c FILE, PLANFILE)
complete -o default -F _zform_complete zform
`;
  }
  // zsh: yargs answers "value:description" pairs when $SHELL names zsh, which _describe shows as a menu.
  return `#compdef zform
# zform completion for zsh. Install: zform completion zsh > "\${fpath[1]}/_zform"
# (or add "source <(zform completion zsh)" to ~/.zshrc after compinit)
_zform() {
  local -a reply
  reply=("\${(@f)$(SHELL=zsh zform --${COMPLETION_KEY} "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
  if [[ -n "\${reply[1]}" ]]; then
    _describe 'zform' reply
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" = "_zform" ]]; then _zform "$@"; else compdef _zform zform; fi
`;
}

export function completionCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'completion [shell]',
    describe: 'Print a shell completion script (bash or zsh)',
    builder: (y) => y
      .epilogue(EXIT_HELP.completion)
      .positional('shell', { choices: SHELLS, description: 'The shell; default: zsh if $SHELL is zsh, else bash' })
      .example('$0 completion bash > /etc/bash_completion.d/zform', 'Complete zform commands, options and option values in bash')
      .example('source <($0 completion)', 'Try it in the running shell')
      .example('$0 completion zsh > "${fpath[1]}/_zform"', 'zsh: install as a completion function'),
    handler: (args) => {
      const shell: Shell = args.shell ?? (/zsh/.test(ctx.io.env.SHELL ?? '') ? 'zsh' : 'bash');
      ctx.io.stdout.write(renderCompletionScript(shell));
      ctx.exitCode = 0;
    },
  };
}
